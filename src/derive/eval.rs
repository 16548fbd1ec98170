//! Evaluating a derived-series expression over series from any sources.
//!
//! Inputs arrive at different steps (Prometheus every 15 s, CloudWatch every
//! minute, billing every few hours), so every input is first resampled to one grid
//! whose step is the coarsest input's: the value at a grid time is the newest sample
//! in the step before it, or a gap. Arithmetic then runs point by point. Division by
//! zero, missing points and unit mismatches give gaps and a note, never NaN spikes.

use super::parse::{Expr, Op};
use crate::store::Sample;
use crate::units::Unit;
use std::collections::{BTreeMap, HashMap};

/// One input series.
#[derive(Debug, Clone)]
pub(crate) struct Input<'a> {
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its samples, ascending.
    pub samples: &'a [Sample],
}

/// One input query: its series and declared unit.
#[derive(Debug, Clone, Default)]
pub(crate) struct Operand<'a> {
    /// The query's series.
    pub series: Vec<Input<'a>>,
    /// The query's unit, if it declares one.
    pub unit: Option<Unit>,
}

/// The result: series on the grid, and what the user should know about gaps.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Output {
    /// Series with their labels; gaps are left out.
    pub series: Vec<(BTreeMap<String, String>, Vec<Sample>)>,
    /// Notes such as "division by zero at 3 points".
    pub notes: Vec<String>,
}

type Labels = BTreeMap<String, String>;
type Column = Vec<Option<f64>>;

struct Value {
    series: Vec<(Labels, Column)>,
    unit: Option<Unit>,
}

struct Context<'a> {
    prices: &'a super::prices::Prices,
    grid: Vec<i64>,
    step_ms: i64,
    inputs: &'a HashMap<String, Operand<'a>>,
    notes: BTreeMap<String, usize>,
}

/// Evaluates `expr` over `inputs` for the window `[start_ms, end_ms]`, with the
/// shipped on-demand prices (tests; dashboards carry their own table).
#[cfg(test)]
pub(crate) fn evaluate(
    expr: &Expr,
    inputs: &HashMap<String, Operand<'_>>,
    start_ms: i64,
    end_ms: i64,
) -> Output {
    let prices = super::prices::Prices::shipped().unwrap();
    evaluate_priced(expr, inputs, start_ms, end_ms, &prices)
}

/// Evaluates `expr` with `prices` for `on_demand`.
pub(crate) fn evaluate_priced(
    expr: &Expr,
    inputs: &HashMap<String, Operand<'_>>,
    start_ms: i64,
    end_ms: i64,
    prices: &super::prices::Prices,
) -> Output {
    let step_ms = common_step(inputs);
    if end_ms <= start_ms {
        return Output::default();
    }
    // At most 100,000 grid points, whatever the inputs claim.
    let step_ms = step_ms.max((end_ms - start_ms) / 100_000).max(1);
    let first = start_ms.div_euclid(step_ms) * step_ms + step_ms;
    let grid: Vec<i64> = (0..)
        .map(|i| first + i * step_ms)
        .take_while(|&t| t <= end_ms)
        .collect();
    let mut ctx = Context {
        prices,
        grid,
        step_ms,
        inputs,
        notes: BTreeMap::new(),
    };
    let value = eval(expr, &mut ctx);
    let grid = ctx.grid.clone();
    // Sums and products of huge values can leave a float's range on the way:
    // those points are gaps, as a division by zero is, never ±inf on a chart.
    let mut overflows = 0;
    let series = value
        .series
        .into_iter()
        .map(|(labels, column)| {
            let samples = grid
                .iter()
                .zip(column)
                .filter_map(|(&t_ms, v)| {
                    let value = v?;
                    if value.is_finite() {
                        Some(Sample { t_ms, value })
                    } else {
                        overflows += 1;
                        None
                    }
                })
                .collect();
            (labels, samples)
        })
        .collect();
    note(
        &mut ctx,
        "values beyond a number's range left gaps",
        overflows,
    );
    Output {
        series,
        notes: ctx
            .notes
            .into_iter()
            .map(|(note, n)| {
                if n > 1 {
                    format!("{note} ({n} points)")
                } else {
                    note
                }
            })
            .collect(),
    }
}

/// The coarsest input step (at least 1 s), so no input is asked for points it
/// does not have.
fn common_step(inputs: &HashMap<String, Operand<'_>>) -> i64 {
    inputs
        .values()
        .flat_map(|o| &o.series)
        .filter_map(|s| {
            // A series' step is its smallest spacing: missing points only widen others.
            s.samples
                .windows(2)
                .map(|w| w[1].t_ms - w[0].t_ms)
                .filter(|&d| d > 0)
                .min()
        })
        .max()
        .unwrap_or(60_000)
        .max(1_000)
}

fn note(ctx: &mut Context<'_>, text: impl Into<String>, count: usize) {
    if count > 0 {
        *ctx.notes.entry(text.into()).or_default() += count;
    }
}

fn eval(expr: &Expr, ctx: &mut Context<'_>) -> Value {
    match expr {
        Expr::Number(n) => Value {
            series: vec![(
                Labels::new(),
                vec![Some(*n).filter(|v| v.is_finite()); ctx.grid.len()],
            )],
            unit: None,
        },
        Expr::Query(name) => {
            let Some(operand) = ctx.inputs.get(name) else {
                note(ctx, format!("no query with id `{name}`"), 1);
                return Value {
                    series: Vec::new(),
                    unit: None,
                };
            };
            let series = operand
                .series
                .iter()
                .map(|s| {
                    (
                        s.labels.clone(),
                        resample(s.samples, &ctx.grid, ctx.step_ms),
                    )
                })
                .collect();
            if operand.series.is_empty() {
                note(ctx, format!("`{name}` has no data"), 1);
            }
            Value {
                series,
                unit: operand.unit,
            }
        }
        Expr::UntilMonthEnd => Value {
            series: vec![(
                Labels::new(),
                ctx.grid.iter().map(|&t| seconds_to_month_end(t)).collect(),
            )],
            unit: None,
        },
        Expr::Negate(inner) => {
            let mut value = eval(inner, ctx);
            for (_, column) in &mut value.series {
                for v in column.iter_mut() {
                    *v = v.map(|x| -x);
                }
            }
            value
        }
        Expr::Rate(inner) => {
            let value = eval(inner, ctx);
            let step_s = ctx.step_ms as f64 / 1000.0;
            let mut resets = 0;
            let series = value
                .series
                .into_iter()
                .map(|(labels, column)| {
                    let mut out = vec![None; column.len()];
                    for i in 1..column.len() {
                        if let (Some(a), Some(b)) = (column[i - 1], column[i]) {
                            if b < a {
                                resets += 1; // a counter reset or a new month: no rate there
                            } else {
                                out[i] = Some((b - a) / step_s);
                            }
                        }
                    }
                    (labels, out)
                })
                .collect();
            note(ctx, "rate skipped a reset", resets);
            Value { series, unit: None }
        }
        Expr::Sum(inner) => {
            let value = eval(inner, ctx);
            let mut total: Column = vec![None; ctx.grid.len()];
            for (_, column) in &value.series {
                for (sum, v) in total.iter_mut().zip(column) {
                    if let Some(v) = v {
                        *sum = Some(sum.unwrap_or(0.0) + v);
                    }
                }
            }
            let series = if value.series.is_empty() {
                Vec::new()
            } else {
                vec![(Labels::new(), total)]
            };
            Value {
                series,
                unit: value.unit,
            }
        }
        Expr::OnDemand(inner) => {
            let value = eval(inner, ctx);
            let mut series = Vec::new();
            for (labels, column) in value.series {
                let kind = labels
                    .get("instance_type")
                    .or_else(|| labels.get("InstanceType"));
                let Some(price) = kind.and_then(|k| ctx.prices.per_hour.get(k)).copied() else {
                    let what = kind
                        .map_or("a series without an instance_type label".to_owned(), |k| {
                            format!("`{k}` (add it under [prices])")
                        });
                    note(ctx, format!("no on-demand price for {what}"), 1);
                    continue;
                };
                let priced = column
                    .iter()
                    .map(|v| v.map(|count| count * price))
                    .collect();
                series.push((labels, priced));
            }
            Value {
                series,
                unit: Some(Unit::UsdPerHour),
            }
        }
        Expr::SumOver(inner, window_ms) => {
            let value = eval(inner, ctx);
            let width = (*window_ms / ctx.step_ms).max(1) as usize;
            let series = value
                .series
                .into_iter()
                .map(|(labels, column)| {
                    let out = (0..column.len())
                        .map(|i| {
                            let from = (i + 1).saturating_sub(width);
                            let present: Vec<f64> =
                                column[from..=i].iter().flatten().copied().collect();
                            (!present.is_empty()).then(|| present.iter().sum())
                        })
                        .collect();
                    (labels, out)
                })
                .collect();
            Value {
                series,
                unit: value.unit,
            }
        }
        Expr::Binary(a, op, b) => {
            let left = eval(a, ctx);
            let right = eval(b, ctx);
            binary(left, *op, right, ctx)
        }
    }
}

fn binary(left: Value, op: Op, right: Value, ctx: &mut Context<'_>) -> Value {
    let additive = matches!(op, Op::Add | Op::Sub);
    let mismatch =
        additive && left.unit.is_some() && right.unit.is_some() && left.unit != right.unit;
    if mismatch {
        note(
            ctx,
            format!(
                "cannot {} {} and {}: different units",
                if op == Op::Add { "add" } else { "subtract" },
                left.unit.unwrap_or_default().name(),
                right.unit.unwrap_or_default().name()
            ),
            1,
        );
        return Value {
            series: Vec::new(),
            unit: None,
        };
    }
    let unit = if additive {
        left.unit.or(right.unit)
    } else {
        None
    };
    // Pair series: one side single → broadcast; otherwise by equal labels.
    let pairs: Vec<(Labels, &Column, &Column)> = match (left.series.len(), right.series.len()) {
        (_, 1) => left
            .series
            .iter()
            .map(|(l, c)| (l.clone(), c, &right.series[0].1))
            .collect(),
        (1, _) => right
            .series
            .iter()
            .map(|(l, c)| (l.clone(), &left.series[0].1, c))
            .collect(),
        _ => {
            let matched: Vec<(Labels, &Column, &Column)> = left
                .series
                .iter()
                .filter_map(|(l, a)| {
                    right
                        .series
                        .iter()
                        .find(|(r, _)| r == l)
                        .map(|(_, b)| (l.clone(), a, b))
                })
                .collect();
            let unmatched = left.series.len() + right.series.len() - 2 * matched.len();
            note(
                ctx,
                "series without a partner of the same labels were left out",
                unmatched,
            );
            matched
        }
    };
    let mut zero_divisions = 0;
    let series = pairs
        .into_iter()
        .map(|(labels, a, b)| {
            let column = a
                .iter()
                .zip(b)
                .map(|(x, y)| {
                    let (x, y) = ((*x)?, (*y)?);
                    let v = match op {
                        Op::Add => x + y,
                        Op::Sub => x - y,
                        Op::Mul => x * y,
                        Op::Div if y == 0.0 => {
                            zero_divisions += 1;
                            return None;
                        }
                        Op::Div => x / y,
                    };
                    v.is_finite().then_some(v)
                })
                .collect();
            (labels, column)
        })
        .collect();
    note(ctx, "division by zero left gaps", zero_divisions);
    Value { series, unit }
}

/// Seconds from `t_ms` to the start of the next UTC month.
fn seconds_to_month_end(t_ms: i64) -> Option<f64> {
    use chrono::{Datelike, TimeZone, Utc};
    let t = Utc.timestamp_millis_opt(t_ms).single()?;
    let (year, month) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    let next = Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).single()?;
    Some((next.timestamp_millis() - t_ms) as f64 / 1000.0)
}

/// The newest sample in `(t - step, t]` at each grid time `t`, or a gap.
fn resample(samples: &[Sample], grid: &[i64], step_ms: i64) -> Column {
    let mut out = Vec::with_capacity(grid.len());
    let mut next = 0;
    let mut newest: Option<Sample> = None;
    for &t in grid {
        while next < samples.len() && samples[next].t_ms <= t {
            newest = Some(samples[next]);
            next += 1;
        }
        out.push(
            newest
                .filter(|s| s.t_ms > t - step_ms && s.value.is_finite())
                .map(|s| s.value),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;
    use proptest::prelude::*;

    fn samples(step_ms: i64, values: &[f64]) -> Vec<Sample> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Sample {
                t_ms: (i as i64 + 1) * step_ms,
                value,
            })
            .collect()
    }

    fn operand(samples: &[Sample], unit: Option<Unit>) -> Operand<'_> {
        Operand {
            series: vec![Input {
                labels: Labels::new(),
                samples,
            }],
            unit,
        }
    }

    fn run(expr: &str, inputs: &HashMap<String, Operand<'_>>, end_ms: i64) -> Output {
        evaluate(&parse(expr).unwrap(), inputs, 0, end_ms)
    }

    #[test]
    fn two_steps_align_on_the_coarser_one() {
        // Spend every minute, invocations every 15 s.
        let spend = samples(60_000, &[6.0, 6.0, 6.0]);
        let calls = samples(15_000, &[100.0; 12]);
        let inputs = HashMap::from([
            ("spend".to_owned(), operand(&spend, Some(Unit::Usd))),
            ("calls".to_owned(), operand(&calls, None)),
        ]);
        let out = run("spend / (calls / 1000)", &inputs, 180_000);
        let points: Vec<(i64, f64)> = out.series[0].1.iter().map(|s| (s.t_ms, s.value)).collect();
        assert_eq!(points, [(60_000, 60.0), (120_000, 60.0), (180_000, 60.0)]);
        assert!(out.notes.is_empty(), "{:?}", out.notes);
    }

    #[test]
    fn division_by_zero_leaves_a_gap_and_a_note() {
        let a = samples(60_000, &[1.0, 2.0, 3.0]);
        let b = samples(60_000, &[1.0, 0.0, 1.0]);
        let inputs = HashMap::from([
            ("a".to_owned(), operand(&a, None)),
            ("b".to_owned(), operand(&b, None)),
        ]);
        let out = run("a / b", &inputs, 180_000);
        let times: Vec<i64> = out.series[0].1.iter().map(|s| s.t_ms).collect();
        assert_eq!(times, [60_000, 180_000]);
        assert_eq!(out.notes, ["division by zero left gaps"]);
    }

    #[test]
    fn a_sum_beyond_a_numbers_range_is_a_gap_not_infinity() {
        // Found by the property test below: 1e307 summed over a window.
        let a = samples(60_000, &[1e308, 1e308, 1.0]);
        let inputs = HashMap::from([("a".to_owned(), operand(&a, None))]);
        let out = run("sum_over(a, 2m)", &inputs, 180_000);
        let points: Vec<(i64, f64)> = out.series[0].1.iter().map(|s| (s.t_ms, s.value)).collect();
        // Minute 2 sums 1e308 twice: beyond a float. Minute 3: 1e308 + 1.
        assert_eq!(points, [(60_000, 1e308), (180_000, 1e308)]);
        assert_eq!(out.notes, ["values beyond a number's range left gaps"]);
    }

    #[test]
    fn missing_points_stay_missing() {
        let a = vec![
            Sample {
                t_ms: 60_000,
                value: 1.0,
            },
            Sample {
                t_ms: 120_000,
                value: 2.0,
            },
            Sample {
                t_ms: 240_000,
                value: 4.0,
            },
        ];
        let b = samples(60_000, &[1.0, 1.0, 1.0, 1.0]);
        let inputs = HashMap::from([
            ("a".to_owned(), operand(&a, None)),
            ("b".to_owned(), operand(&b, None)),
        ]);
        let out = run("a + b", &inputs, 240_000);
        let times: Vec<i64> = out.series[0].1.iter().map(|s| s.t_ms).collect();
        assert_eq!(
            times,
            [60_000, 120_000, 240_000],
            "no value invented at 3 minutes"
        );
    }

    #[test]
    fn adding_different_units_is_refused_with_a_note() {
        let a = samples(60_000, &[1.0]);
        let inputs = HashMap::from([
            ("usd".to_owned(), operand(&a, Some(Unit::Usd))),
            ("rps".to_owned(), operand(&a, Some(Unit::RequestsPerSecond))),
        ]);
        let out = run("usd + rps", &inputs, 60_000);
        assert!(out.series.is_empty());
        assert_eq!(out.notes, ["cannot add USD and req/s: different units"]);
        // Multiplying them is fine: the result simply has no declared unit.
        assert_eq!(run("usd * rps", &inputs, 60_000).series.len(), 1);
    }

    #[test]
    fn rate_and_sum_over() {
        // A running total that grows 60 a minute, reset once.
        let total = samples(60_000, &[0.0, 60.0, 120.0, 0.0, 60.0]);
        let inputs = HashMap::from([("total".to_owned(), operand(&total, None))]);
        let out = run("rate(total)", &inputs, 300_000);
        let values: Vec<f64> = out.series[0].1.iter().map(|s| s.value).collect();
        assert_eq!(values, [1.0, 1.0, 1.0]);
        assert_eq!(out.notes, ["rate skipped a reset"]);
        let per_minute = samples(60_000, &[1.0, 2.0, 3.0, 4.0]);
        let inputs = HashMap::from([("x".to_owned(), operand(&per_minute, None))]);
        let out = run("sum_over(x, 2m)", &inputs, 240_000);
        let values: Vec<f64> = out.series[0].1.iter().map(|s| s.value).collect();
        assert_eq!(values, [1.0, 3.0, 5.0, 7.0]);
    }

    #[test]
    fn series_pair_by_labels_or_broadcast() {
        let a = samples(60_000, &[2.0]);
        let label = |v: &str| Labels::from([("service".to_owned(), v.to_owned())]);
        let spend = Operand {
            series: vec![
                Input {
                    labels: label("EC2"),
                    samples: &a,
                },
                Input {
                    labels: label("SageMaker"),
                    samples: &a,
                },
            ],
            unit: None,
        };
        let calls = operand(&a, None);
        let inputs = HashMap::from([("spend".to_owned(), spend), ("calls".to_owned(), calls)]);
        let out = run("spend / calls", &inputs, 60_000);
        assert_eq!(out.series.len(), 2);
        assert_eq!(out.series[1].0, label("SageMaker"));
        let out = run("sum(spend) / calls", &inputs, 60_000);
        assert_eq!(
            out.series,
            [(
                Labels::new(),
                vec![Sample {
                    t_ms: 60_000,
                    value: 2.0
                }]
            )]
        );
    }

    #[test]
    fn a_month_end_forecast_adds_the_burn_rate_for_the_rest_of_the_month() {
        // 2026-11-30 00:00 UTC: one day left. MTD $1,000, burning $1/s.
        let t = 1_795_996_800_000;
        let mtd = [Sample {
            t_ms: t,
            value: 1_000.0,
        }];
        let burn = [Sample {
            t_ms: t,
            value: 1.0,
        }];
        let inputs = HashMap::from([
            ("mtd".to_owned(), operand(&mtd, Some(Unit::Usd))),
            ("burn".to_owned(), operand(&burn, None)),
        ]);
        let out = evaluate(
            &parse("mtd + burn * until_month_end()").unwrap(),
            &inputs,
            t - 1,
            t,
        );
        assert_eq!(
            out.series[0].1,
            [Sample {
                t_ms: t,
                value: 1_000.0 + 86_400.0
            }]
        );
    }

    #[test]
    fn on_demand_prices_each_instance_type_and_notes_unknown_ones() {
        let two = samples(60_000, &[2.0]);
        let typed = |kind: &str| Labels::from([("instance_type".to_owned(), kind.to_owned())]);
        let instances = Operand {
            series: vec![
                Input {
                    labels: typed("p5.48xlarge"),
                    samples: &two,
                },
                Input {
                    labels: typed("x9.mega"),
                    samples: &two,
                },
            ],
            unit: None,
        };
        let inputs = HashMap::from([("n".to_owned(), instances)]);
        let out = run("sum(on_demand(n))", &inputs, 60_000);
        assert_eq!(
            out.series[0].1,
            [Sample {
                t_ms: 60_000,
                value: 2.0 * 98.32
            }]
        );
        assert_eq!(
            out.notes,
            ["no on-demand price for `x9.mega` (add it under [prices])"]
        );
    }

    fn any_expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            Just(Expr::UntilMonthEnd),
            (-1e6f64..1e6).prop_map(Expr::Number),
            Just(Expr::Number(0.0)),
            prop::sample::select(vec!["a", "b", "missing"]).prop_map(|n| Expr::Query(n.to_owned())),
        ];
        leaf.prop_recursive(5, 40, 2, |inner| {
            prop_oneof![
                (
                    inner.clone(),
                    prop::sample::select(vec![Op::Add, Op::Sub, Op::Mul, Op::Div]),
                    inner.clone()
                )
                    .prop_map(|(a, op, b)| Expr::Binary(
                        Box::new(a),
                        op,
                        Box::new(b)
                    )),
                inner.clone().prop_map(|x| Expr::Negate(Box::new(x))),
                inner.clone().prop_map(|x| Expr::Rate(Box::new(x))),
                inner.clone().prop_map(|x| Expr::Sum(Box::new(x))),
                inner.clone().prop_map(|x| Expr::OnDemand(Box::new(x))),
                (inner, 1i64..10_000_000).prop_map(|(x, w)| Expr::SumOver(Box::new(x), w)),
            ]
        })
    }

    fn any_samples() -> impl Strategy<Value = Vec<Sample>> {
        prop::collection::vec(
            (
                0i64..100_000_000,
                prop_oneof![any::<f64>(), Just(0.0), Just(f64::NAN)],
            ),
            0..50,
        )
        .prop_map(|mut points| {
            points.sort_by_key(|p| p.0);
            points.dedup_by_key(|p| p.0);
            points
                .into_iter()
                .map(|(t_ms, value)| Sample { t_ms, value })
                .collect()
        })
    }

    proptest! {
        /// Whatever the expression and the data — NaN, infinities, zeros, empty
        /// series, odd windows — evaluation returns, and every value it returns is finite.
        #[test]
        fn evaluation_never_panics_and_never_returns_nan(
            expr in any_expr(),
            a in any_samples(),
            b in any_samples(),
            start in -1_000_000i64..50_000_000,
            span in 0i64..100_000_000,
        ) {
            let inputs = HashMap::from([
                ("a".to_owned(), operand(&a, Some(Unit::Usd))),
                ("b".to_owned(), operand(&b, None)),
            ]);
            let out = evaluate(&expr, &inputs, start, start + span);
            for (_, samples) in out.series {
                prop_assert!(samples.iter().all(|s| s.value.is_finite()));
                prop_assert!(samples.windows(2).all(|w| w[0].t_ms < w[1].t_ms));
            }
        }

        /// The parser returns an error, never a panic, on any text.
        #[test]
        fn parsing_never_panics(text in ".{0,80}") {
            let _ = parse(&text);
        }
    }
}
