//! What every AWS source needs to reach its service.

use std::collections::BTreeMap;
use std::time::Duration;

/// Where and as whom to talk to an AWS service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// The service's name in messages ("CloudWatch").
    pub service: &'static str,
    /// The IAM actions the layouts need, for an access-denied message.
    pub permissions: &'static str,
    /// AWS region.
    pub region: String,
    /// Named profile, or the default chain.
    pub profile: Option<String>,
    /// An endpoint instead of AWS's (emulator, VPC endpoint).
    pub endpoint_url: Option<String>,
    /// Longest an operation may take.
    pub timeout: Duration,
    /// A role assumed (through STS, with the chain's credentials) for every call.
    pub role_arn: Option<String>,
    /// Every region and account the source spans (`regions`, `accounts`), when
    /// more than its one `region`: one client each, their series told apart by
    /// `region` and `account` labels. Empty for a source of one region.
    pub reach: Vec<Reach>,
}

/// One region and account of a source that spans several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// The region.
    pub region: String,
    /// The account, when the source names accounts.
    pub account: Option<Account>,
}

/// An account reached by assuming a role in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// What its series' `account` label says (`prod`).
    pub name: String,
    /// The role assumed: `arn:aws:iam::111122223333:role/fleetdeck-read`.
    pub role_arn: String,
}

impl ClientSettings {
    /// The settings of one client per region and account this source spans,
    /// each with the labels its series get; none for a source of one region.
    pub fn reached(&self) -> Vec<(BTreeMap<String, String>, ClientSettings)> {
        self.reach
            .iter()
            .map(|reach| {
                let mut labels = BTreeMap::from([("region".to_owned(), reach.region.clone())]);
                if let Some(account) = &reach.account {
                    labels.insert("account".to_owned(), account.name.clone());
                }
                let settings = ClientSettings {
                    region: reach.region.clone(),
                    role_arn: reach.account.as_ref().map(|a| a.role_arn.clone()),
                    reach: Vec::new(),
                    ..self.clone()
                };
                (labels, settings)
            })
            .collect()
    }
}
