//! Value mappings, compiled: what state a value is in, by an exact value or a
//! range, for the state timeline.

/// One mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// Which values.
    pub matches: Match,
    /// The state's name.
    pub text: String,
    /// Its colour.
    pub rgb: [u8; 3],
}

/// Which values a mapping takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Match {
    /// Exactly this one.
    Value(f64),
    /// From (inclusive) to (exclusive); an end left out is open.
    Range {
        /// Lowest.
        from: Option<f64>,
        /// Above the highest.
        to: Option<f64>,
    },
}

impl Match {
    /// Whether `value` is one of these.
    pub fn takes(&self, value: f64) -> bool {
        match *self {
            Match::Value(exact) => value == exact,
            Match::Range { from, to } => {
                from.is_none_or(|from| value >= from) && to.is_none_or(|to| value < to)
            }
        }
    }
}

/// The first mapping that takes `value`: exact values are tried before ranges,
/// as Grafana does.
pub fn state_of(mappings: &[Mapping], value: f64) -> Option<&Mapping> {
    mappings
        .iter()
        .filter(|m| matches!(m.matches, Match::Value(_)))
        .chain(
            mappings
                .iter()
                .filter(|m| matches!(m.matches, Match::Range { .. })),
        )
        .find(|m| m.matches.takes(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(matches: Match, text: &str) -> Mapping {
        Mapping {
            matches,
            text: text.to_owned(),
            rgb: [0, 0, 0],
        }
    }

    #[test]
    fn exact_values_win_over_ranges_and_ranges_meet_without_overlap() {
        let mappings = [
            mapping(
                Match::Range {
                    from: Some(0.0),
                    to: Some(15.0),
                },
                "ok",
            ),
            mapping(
                Match::Range {
                    from: Some(15.0),
                    to: None,
                },
                "backed up",
            ),
            mapping(Match::Value(0.0), "idle"),
        ];
        let name = |v| state_of(&mappings, v).map(|m| m.text.as_str());
        assert_eq!(name(0.0), Some("idle"));
        assert_eq!(name(14.9), Some("ok"));
        assert_eq!(name(15.0), Some("backed up"));
        assert_eq!(name(-1.0), None);
    }
}
