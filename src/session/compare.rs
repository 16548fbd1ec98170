//! Time shift: the same queries asked over the window a day, a week (or any
//! offset) earlier and drawn under today's lines, for "is this normal for this
//! hour?". The request window moves, not the expression, so it works the same for
//! every source kind. A compared query's series are stored under the query's id
//! with [`COMPARED_SUFFIX`], moved forward by the offset.

use crate::dashboard::{PanelId, QueryId, QueryKey};
use crate::time_range::format_duration;
use std::collections::BTreeMap;
use std::time::Duration;

/// Appended to a query's id for its compared series.
pub(crate) const COMPARED_SUFFIX: &str = "~then";

/// Which panels are compared with how long ago.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compare {
    /// Every panel, unless it says otherwise.
    pub all: Option<Duration>,
    /// Per panel: its own offset, or `None` for "not this one".
    pub panels: BTreeMap<PanelId, Option<Duration>>,
    /// Draw the earlier line only where it differs from now by more than this
    /// many percent (0: everywhere).
    pub min_change_percent: f64,
}

impl Compare {
    /// How long ago `panel` is compared with, if it is.
    pub(crate) fn shift_for(&self, panel: &PanelId) -> Option<Duration> {
        match self.panels.get(panel) {
            Some(own) => *own,
            None => self.all,
        }
        .filter(|shift| !shift.is_zero())
    }
}

/// The id a query's compared series are kept under.
pub fn compared_id(query: &QueryId) -> QueryId {
    QueryId::from(format!("{}{COMPARED_SUFFIX}", query.as_str()))
}

/// The query a key's series are of: itself, or the query a compared key compares.
pub(crate) fn compared_base(key: &QueryKey) -> QueryKey {
    match key.query.as_str().strip_suffix(COMPARED_SUFFIX) {
        Some(base) => QueryKey {
            panel: key.panel.clone(),
            query: QueryId::from(base),
        },
        None => key.clone(),
    }
}

/// "(1d ago)", as the legend and tooltip say it.
pub(crate) fn ago(shift: Duration) -> String {
    format!("({} ago)", format_duration(shift))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panel_of_its_own_wins_over_the_whole_dashboard() {
        let day = Duration::from_secs(86_400);
        let mut compare = Compare {
            all: Some(day),
            ..Compare::default()
        };
        compare.panels.insert(PanelId::from("a"), None);
        compare
            .panels
            .insert(PanelId::from("b"), Some(Duration::from_secs(604_800)));
        assert_eq!(compare.shift_for(&PanelId::from("a")), None);
        assert_eq!(
            compare.shift_for(&PanelId::from("b")),
            Some(Duration::from_secs(604_800))
        );
        assert_eq!(compare.shift_for(&PanelId::from("c")), Some(day));
        assert_eq!(ago(day), "(1d ago)");
        assert_eq!(compared_id(&QueryId::from("q1")).as_str(), "q1~then");
    }
}
