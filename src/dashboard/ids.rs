//! Identities of the parts of a dashboard. State (series, query statuses, alarm
//! history, acknowledgements, links) is keyed by these, never by position, so
//! moving, resizing or reordering panels in the file — or an editor doing it —
//! keeps what fleetdeck knows about them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Arc<str>);

        impl $name {
            /// The id as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name(Arc::from(text))
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                $name(Arc::from(text))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A panel: its explicit `id`, else its title as a [slug].
    PanelId
);
id_type!(
    /// A query within its panel: its explicit `id`, else `q1`, `q2`, … by position.
    QueryId
);
id_type!(
    /// A source: its name in `[sources.NAME]`.
    SourceId
);

/// One query of one panel: what series, statuses and poll results are keyed by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QueryKey {
    /// The panel.
    pub panel: PanelId,
    /// The query in it.
    pub query: QueryId,
}

impl fmt::Display for QueryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.panel, self.query)
    }
}

/// The default id of a panel titled `title`: lower-case letters and digits, runs of
/// anything else as one `-` (`p99 latency · Llama 70B` → `p99-latency-llama-70b`).
/// Stable as long as the title is; set `id` on a panel to keep its history
/// through a rename.
pub(crate) fn slug(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// `base`, or the first of `numbered(base, 2)`, `numbered(base, 3)`, … that is
/// not `taken`: a new panel's or rule's name that no other has.
pub(crate) fn first_free(
    base: &str,
    numbered: impl Fn(&str, usize) -> String,
    taken: impl Fn(&str) -> bool,
) -> String {
    (1..)
        .map(|n| {
            if n == 1 {
                base.to_owned()
            } else {
                numbered(base, n)
            }
        })
        .find(|name| !taken(name))
        .unwrap_or_else(|| base.to_owned())
}

/// The default id of the query at `index` (0-based) of its panel.
pub(crate) fn positional_query_id(index: usize) -> String {
    format!("q{}", index + 1)
}

/// Whether `id` may be written as an explicit panel id: letters, digits, `-`, `_`
/// and `.`, not empty — so it reads well in file names and on the command line.
pub(crate) fn is_valid_panel_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_letters_and_digits_and_fold_the_rest() {
        assert_eq!(slug("p99 latency · Llama 70B"), "p99-latency-llama-70b");
        assert_eq!(slug("  GPU util (%)  "), "gpu-util");
        assert_eq!(slug("Burn rate — by service"), "burn-rate-by-service");
        assert_eq!(slug("···"), "");
    }

    #[test]
    fn ids_compare_by_text_and_borrow_as_str() {
        let ids: std::collections::BTreeSet<PanelId> =
            ["b", "a"].into_iter().map(PanelId::from).collect();
        assert!(ids.contains("a"));
        assert_eq!(ids.iter().next().map(PanelId::as_str), Some("a"));
    }
}
