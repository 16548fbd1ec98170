//! `fleetdeck simulate`: the simulated fleet as a Prometheus exporter and/or published
//! to CloudWatch, for demos and the tests.

use anyhow::{Context, Result};
use std::process::ExitCode;

/// Options of `fleetdeck simulate`.
#[derive(clap::Args)]
pub struct SimulateArgs {
    /// Address to serve the Prometheus exporter on; port 0 picks a free port
    /// (printed on stderr). Default 127.0.0.1:9400 unless only publishing to
    /// CloudWatch.
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Seed of the simulated fleet.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The fleet at scale: serve the DCGM metrics of this many GPU nodes (eight
    /// GPUs each) instead of the endpoints' instances — idle nodes, hot GPUs, a
    /// training straggler, a node that drops out. 1,250 nodes are 10,000 GPUs.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=12_500))]
    nodes: Option<u32>,
    /// Also publish the fleet to CloudWatch at this endpoint (an emulator such as
    /// ministack, or https://monitoring.REGION.amazonaws.com) with PutMetricData,
    /// as AWS/SageMaker, /aws/sagemaker/Endpoints and AWS/Bedrock. Credentials
    /// come from the AWS credential chain.
    #[arg(long)]
    cloudwatch_endpoint: Option<String>,
    /// Region for --cloudwatch-endpoint.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// History to publish at start (`3h`, `30m`).
    #[arg(long, default_value = "3h")]
    backfill: String,
    /// Publish the history and exit (with --cloudwatch-endpoint and no --listen).
    #[arg(long)]
    once: bool,
}

pub fn simulate(args: SimulateArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut publisher = None;
        if let Some(endpoint) = &args.cloudwatch_endpoint {
            let backfill = fleetdeck::time_range::parse_duration(&args.backfill)
                .with_context(|| format!("--backfill {}", args.backfill))?;
            let settings = fleetdeck::source::cloudwatch::client::ClientSettings {
                service: "CloudWatch",
                permissions: "cloudwatch:PutMetricData",
                region: args.region.clone(),
                profile: None,
                endpoint_url: Some(endpoint.clone()),
                timeout: std::time::Duration::from_secs(30),
                role_arn: None,
                reach: Vec::new(),
            };
            let client = fleetdeck::source::cloudwatch::client::build(&settings).await;
            let fleet = fleetdeck::source::demo::fleet::Fleet::new(args.seed);
            let now_ms = chrono::Utc::now().timestamp_millis();
            let this_minute = now_ms.div_euclid(60_000) * 60_000;
            let from_ms = this_minute - backfill.as_millis() as i64;
            let sent =
                fleetdeck::simulate::cloudwatch::publish(&client, &fleet, from_ms, this_minute)
                    .await?;
            eprintln!(
                "fleetdeck simulate: published {sent} datums ({} of history) to CloudWatch at {endpoint}",
                args.backfill
            );
            if args.once && args.listen.is_none() {
                return Ok(ExitCode::SUCCESS);
            }
            publisher = Some(tokio::spawn(async move {
                let mut next = this_minute;
                loop {
                    // Publish each minute once it is over, a second late.
                    let wait = next + 61_000 - chrono::Utc::now().timestamp_millis();
                    tokio::time::sleep(std::time::Duration::from_millis(wait.max(0) as u64)).await;
                    match fleetdeck::simulate::cloudwatch::publish(&client, &fleet, next, next + 60_000).await {
                        Ok(_) => next += 60_000,
                        Err(error) => eprintln!("fleetdeck simulate: {error:#}"),
                    }
                }
            }));
        }
        let listen = match (args.listen, &publisher) {
            (Some(listen), _) => Some(listen),
            (None, None) => Some("127.0.0.1:9400".parse()?),
            (None, Some(_)) => None,
        };
        match listen {
            Some(listen) => {
                let fleet = match args.nodes {
                    Some(nodes) => {
                        fleetdeck::source::demo::fleet::Fleet::with_nodes(args.seed, nodes as usize)
                    }
                    None => fleetdeck::source::demo::fleet::Fleet::new(args.seed),
                };
                let (bound, server) = fleetdeck::simulate::http::spawn_fleet(listen, fleet)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                eprintln!("fleetdeck simulate: serving the simulated fleet at http://{bound}/metrics");
                server.await.context("server task failed")??;
            }
            None => {
                if let Some(publisher) = publisher {
                    publisher.await.context("publisher task failed")?;
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
