//! What discovery tells the person who ran it: each component recognised with
//! what was found of it and the panels it got, what was not recognised (the
//! largest families first), and how many requests it took.

use super::draft::Section;
use super::probe::Probed;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Unrecognised families named in the report.
const NAMED_UNRECOGNISED: usize = 10;

/// The report's text for one server.
pub fn server(address: &str, probed: &Probed, sections: &[Section]) -> String {
    let mut text = format!("{address}:\n");
    if probed.found.is_empty() {
        text.push_str("  recognised nothing fleetdeck knows\n");
    }
    for (found, section) in probed.found.iter().zip(sections) {
        let _ = writeln!(
            text,
            "  recognised {}: {} metric names{}; {} panels",
            found.component.name,
            found.names.len(),
            if section.about.is_empty() {
                String::new()
            } else {
                format!(", {}", section.about)
            },
            section.panels.len() + section.overview.len()
        );
    }
    if !probed.unrecognised.is_empty() {
        let _ = writeln!(
            text,
            "  not recognised: {} metric names; the largest:",
            probed.unrecognised.len()
        );
        let counted: Vec<_> = probed
            .largest
            .iter()
            .filter(|(name, _)| probed.unrecognised.contains(name))
            .take(NAMED_UNRECOGNISED)
            .collect();
        if counted.is_empty() {
            // No series counts from this server: families by how many names share
            // their first word.
            let mut families: BTreeMap<&str, usize> = BTreeMap::new();
            for name in &probed.unrecognised {
                let family = name.split(['_', ':', ' ']).next().unwrap_or(name);
                *families.entry(family).or_default() += 1;
            }
            let mut families: Vec<_> = families.into_iter().collect();
            families.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            for (family, names) in families.into_iter().take(NAMED_UNRECOGNISED) {
                let _ = writeln!(text, "    {family}_* ({names} names)");
            }
        } else {
            for (name, series) in counted {
                let _ = writeln!(text, "    {name} ({series} series)");
            }
        }
    }
    let _ = writeln!(text, "  {} requests", probed.requests);
    text
}
