//! The sources of a compiled dashboard and what is asked of them: each kind's
//! settings and its own query type, checked when the layout was compiled. How
//! they are fetched is each source's business (`crate::source`).

pub(crate) mod aws;
pub(crate) mod cloudwatch;
pub(crate) mod costexplorer;
pub(crate) mod demo;
pub(crate) mod http;
pub(crate) mod prometheus;
pub(crate) mod sagemaker;

/// A source as the dashboard compiled it: one settings type per kind, with every
/// duration, URL and region checked. Secrets are still only named here (which
/// variable, which file); they are read when the source first connects.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    /// The built-in simulated fleet, by seed.
    Demo {
        /// Same seed and time, same data.
        seed: u64,
        /// The fleet at scale: this many GPU nodes publish the DCGM metrics.
        nodes: Option<usize>,
    },
    /// A Prometheus-compatible server, or an Alertmanager.
    Prometheus(prometheus::Settings),
    /// Amazon CloudWatch.
    CloudWatch(aws::ClientSettings),
    /// AWS Cost Explorer.
    CostExplorer(costexplorer::Settings),
    /// SageMaker endpoints watched for scaling.
    SageMaker {
        /// Region, profile, endpoint.
        settings: aws::ClientSettings,
        /// The endpoints' names.
        endpoints: Vec<String>,
    },
    /// Fault Injection Service experiments.
    Fis(aws::ClientSettings),
}

/// A query in its source kind's own type, checked when the layout was compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceQuery {
    /// The simulated fleet.
    Demo(demo::DemoQuery),
    /// PromQL.
    Prometheus(prometheus::PromQuery),
    /// A CloudWatch metric statistic, metric math or Metrics Insights.
    CloudWatch(cloudwatch::CloudWatchQuery),
    /// Cost Explorer's `GetCostAndUsage`.
    CostExplorer(costexplorer::CostQuery),
    /// A field of SageMaker endpoints' variants, as `DescribeEndpoint` polls saw it.
    SageMaker(sagemaker::SageMakerQuery),
}

/// Which reading of a query a request asks for: the panel's own, or the least or
/// greatest value inside each step (the min/max band).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Extreme {
    /// The least value inside each step.
    Min,
    /// The greatest value inside each step.
    Max,
}
