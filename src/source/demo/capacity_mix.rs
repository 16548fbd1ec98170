//! How the simulated fleet's capacity is bought, as Cost Explorer's
//! `PURCHASE_TYPE` splits a bill: the H100 pool and the Mistral pool's floor on
//! a Compute Savings Plan, the Inferentia floor reserved, Inferentia above its
//! floor on Spot, and the rest (Mistral above its floor, Trainium) on demand.
//! The month-to-date `EstimatedCharges` prices everything on demand; this is
//! what is billed after the discounts.

use super::fleet::Fleet;

/// The purchase types, as Cost Explorer names them.
pub(crate) const PURCHASE_TYPES: [&str; 4] = [
    "On Demand Instances",
    "Savings Plans",
    "Reserved Instances",
    "Spot Instances",
];

/// What is paid per on-demand dollar (typical discounts, 1-year no upfront).
const SAVINGS_PLAN: f64 = 0.62;
const RESERVED: f64 = 0.58;
const SPOT: f64 = 0.35;

/// USD per hour billed under `purchase` at `t_s`.
pub(crate) fn cost_per_hour(fleet: &Fleet, purchase: &str, t_s: f64) -> f64 {
    let mut total = 0.0;
    for (index, e) in fleet.endpoints.iter().enumerate() {
        let running = fleet.instances_at(index, t_s) as f64;
        let floor = (e.min_instances as f64).min(running);
        let above = running - floor;
        let price = e.price_per_hour;
        // (floor's purchase type and rate, above-floor's)
        let (floor_as, above_as) = match e.instance_type {
            "p5.48xlarge" | "g6.xlarge" => (
                ("Savings Plans", SAVINGS_PLAN),
                ("On Demand Instances", 1.0),
            ),
            "inf2.48xlarge" => (("Reserved Instances", RESERVED), ("Spot Instances", SPOT)),
            _ => (("On Demand Instances", 1.0), ("On Demand Instances", 1.0)),
        };
        if floor_as.0 == purchase {
            total += floor * price * floor_as.1;
        }
        if above_as.0 == purchase {
            total += above * price * above_as.1;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_adds_up_to_less_than_on_demand_and_spot_follows_the_scaled_out_part() {
        let fleet = Fleet::new(42);
        for hour in 0..24 {
            let t = 1_795_564_800.0 + hour as f64 * 3600.0;
            let billed: f64 = PURCHASE_TYPES
                .iter()
                .map(|p| cost_per_hour(&fleet, p, t))
                .sum();
            let on_demand: f64 = fleet
                .endpoints
                .iter()
                .enumerate()
                .map(|(i, e)| fleet.instances_at(i, t) as f64 * e.price_per_hour)
                .sum();
            assert!(
                billed < on_demand && billed > 0.5 * on_demand,
                "{billed} vs {on_demand}"
            );
            let inf2 = 2;
            let above = fleet.instances_at(inf2, t) - fleet.endpoints[inf2].min_instances;
            let spot = cost_per_hour(&fleet, "Spot Instances", t);
            assert_eq!(spot > 0.0, above > 0, "at {hour}:00");
        }
    }
}
