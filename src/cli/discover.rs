//! `fleetdeck discover [--prometheus URL] [--cloudwatch REGION[:PROFILE]] [-o FILE]`:
//! the layout to stdout or a file (written atomically, never over an existing
//! one unless `--force`), the report of what was recognised to stderr.

use anyhow::{Context, Result};
use clap::Args;
use fleetdeck::discover::{CloudWatchTarget, Targets, discover as run_discovery};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct DiscoverArgs {
    /// A Prometheus-compatible server (Prometheus, VictoriaMetrics, Mimir, AMP).
    #[arg(long, value_name = "URL")]
    prometheus: Option<String>,
    /// An AWS account through CloudWatch: `REGION[:PROFILE]`; credentials come from
    /// the AWS chain. AWS/Billing is read only in us-east-1, where it lives.
    #[arg(long, value_name = "REGION[:PROFILE]")]
    cloudwatch: Option<String>,
    /// Another CloudWatch endpoint (an emulator such as ministack).
    #[arg(long, value_name = "URL", requires = "cloudwatch")]
    cloudwatch_endpoint: Option<String>,
    /// The layout's title.
    #[arg(long, default_value = "Discovered fleet")]
    title: String,
    /// Write the layout here instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long, requires = "output")]
    force: bool,
}

pub fn discover(args: &DiscoverArgs) -> Result<ExitCode> {
    let mut targets = Targets {
        prometheus: args.prometheus.clone(),
        cloudwatch: args
            .cloudwatch
            .as_deref()
            .map(CloudWatchTarget::parse)
            .transpose()?,
    };
    if let Some(target) = &mut targets.cloudwatch {
        target.endpoint_url = args.cloudwatch_endpoint.clone();
    }
    if let Some(path) = &args.output
        && path.exists()
        && !args.force
    {
        anyhow::bail!(
            "{} exists: choose another file, or --force to replace it",
            path.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let discovered = runtime.block_on(run_discovery(&targets, &args.title, now_ms))?;
    eprint!("{}", discovered.report);
    match &args.output {
        Some(path) => {
            fleetdeck::persist::write_atomically(path, discovered.text.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "wrote {}: open it with `fleetdeck {}`",
                path.display(),
                path.display()
            );
        }
        None => print!("{}", discovered.text),
    }
    Ok(ExitCode::SUCCESS)
}
