//! The wall's playlist: a versioned, strict TOML file that lists layouts to rotate
//! through, with how long each stays up and how the wall should look — read and
//! compiled once, like a layout (its layouts are compiled too, so `fleetdeck check`
//! finds every problem before the wall goes up).

use crate::dashboard::Dashboard;
use crate::layout::{LayoutError, LayoutErrors};
use crate::time_range::parse_duration;
use serde::Deserialize;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// The playlist version this build reads.
pub(crate) const PLAYLIST_VERSION: u32 = 1;
/// How long a page stays up unless the playlist says.
pub(crate) const DEFAULT_DWELL: Duration = Duration::from_secs(30);
/// How long a source may be down before the wall says so in its banner.
pub(crate) const DEFAULT_STALE_BANNER_AFTER: Duration = Duration::from_secs(120);

/// A playlist file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaylistFile {
    version: Spanned<u32>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    dwell: Option<Spanned<String>>,
    #[serde(default)]
    monitor: Option<usize>,
    #[serde(default)]
    distance: Option<Spanned<String>>,
    #[serde(default)]
    diagonal: Option<Spanned<String>>,
    #[serde(default)]
    stale_banner_after: Option<Spanned<String>>,
    #[serde(default)]
    pin_alarms: bool,
    #[serde(default = "yes")]
    burn_in_shift: bool,
    #[serde(default)]
    night: Option<NightFile>,
    #[serde(default)]
    pages: Vec<PageFile>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageFile {
    layout: Spanned<String>,
    #[serde(default)]
    dwell: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NightFile {
    from: Spanned<String>,
    to: Spanned<String>,
    #[serde(default = "half")]
    dim: f32,
}

fn half() -> f32 {
    0.5
}

/// A compiled playlist.
#[derive(Debug, Clone)]
pub struct Playlist {
    /// Where it was read from.
    pub path: PathBuf,
    /// Shown in the wall's header; the first page's title when not given.
    pub title: String,
    /// The pages, in rotation order.
    pub pages: Vec<Page>,
    /// The monitor to cover (winit's `available_monitors()` order).
    pub monitor: Option<usize>,
    /// How the wall's figures are sized.
    pub legibility: Legibility,
    /// A source down this long puts the banner up.
    pub stale_banner_after: Duration,
    /// Stay on a page whose panel holds a firing critical alarm while it fires.
    pub pin_alarms: bool,
    /// Shift everything by a few pixels every few minutes against burn-in.
    pub burn_in_shift: bool,
    /// Dim the wall at night.
    pub night: Option<Night>,
}

/// One page of the rotation.
#[derive(Debug, Clone)]
pub struct Page {
    /// The layout shown.
    pub dashboard: Dashboard,
    /// How long it stays up.
    pub dwell: Duration,
}

/// What the wall's figure text is sized for: read from `distance` on a display
/// of `diagonal`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Legibility {
    /// Viewing distance, mm.
    pub distance_mm: f32,
    /// The display's diagonal, mm.
    pub diagonal_mm: f32,
}

impl Default for Legibility {
    fn default() -> Self {
        // A 55" screen read from 5 m: a NOC wall.
        Legibility {
            distance_mm: 5_000.0,
            diagonal_mm: 55.0 * 25.4,
        }
    }
}

/// Hours of the night (local time), and how dark the wall gets then.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Night {
    /// Start, minutes after midnight.
    pub from_minute: u32,
    /// End, minutes after midnight (may be before `from`: the night spans midnight).
    pub to_minute: u32,
    /// Brightness kept, 0–1.
    pub dim: f32,
}

impl Night {
    /// Whether `minute` (after midnight) is in the night.
    pub(crate) fn covers(&self, minute: u32) -> bool {
        if self.from_minute <= self.to_minute {
            (self.from_minute..self.to_minute).contains(&minute)
        } else {
            minute >= self.from_minute || minute < self.to_minute
        }
    }
}

/// Reads and compiles a playlist and every layout it names.
pub fn load_playlist(path: &Path) -> Result<Playlist, LayoutErrors> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        LayoutErrors(vec![LayoutError {
            path: path.to_owned(),
            position: None,
            message: format!("cannot read playlist: {error}"),
        }])
    })?;
    parse_playlist(&text, path)
}

/// Whether `text` is a playlist (it has `[[pages]]`) rather than a layout, so
/// `fleetdeck check` can take both.
pub fn is_playlist(text: &str) -> bool {
    text.parse::<toml::Table>()
        .is_ok_and(|table| table.contains_key("pages"))
}

/// Parses a playlist; layouts are read relative to `path`'s folder.
pub fn parse_playlist(text: &str, path: &Path) -> Result<Playlist, LayoutErrors> {
    let at = |span: Option<Range<usize>>, message: String| LayoutError {
        path: path.to_owned(),
        position: span.map(|s| crate::layout::load::line_column(text, s.start)),
        message,
    };
    let file: PlaylistFile = toml::from_str(text).map_err(|error| {
        LayoutErrors(vec![at(
            error.span(),
            error.message().trim_end().to_owned(),
        )])
    })?;
    let mut errors = Vec::new();
    if *file.version.get_ref() != PLAYLIST_VERSION {
        errors.push(at(
            Some(file.version.span()),
            format!(
                "unsupported playlist version {}: this fleetdeck reads version {PLAYLIST_VERSION}",
                file.version.get_ref()
            ),
        ));
    }
    let mut duration =
        |value: &Option<Spanned<String>>, default: Duration, what: &str| match checked_duration(
            value, default, what,
        ) {
            Ok(duration) => duration,
            Err((span, message)) => {
                errors.push(at(Some(span), message));
                default
            }
        };
    let default_dwell = duration(&file.dwell, DEFAULT_DWELL, "dwell");
    let stale_banner_after = duration(
        &file.stale_banner_after,
        DEFAULT_STALE_BANNER_AFTER,
        "stale_banner_after",
    );
    let dwells: Vec<Duration> = file
        .pages
        .iter()
        .map(|page| duration(&page.dwell, default_dwell, "dwell"))
        .collect();
    let mut legibility = Legibility::default();
    for (value, slot, what) in [
        (&file.distance, &mut legibility.distance_mm, "distance"),
        (&file.diagonal, &mut legibility.diagonal_mm, "diagonal"),
    ] {
        if let Some(text) = value {
            match parse_length_mm(text.get_ref()) {
                Some(mm) => *slot = mm,
                None => errors.push(at(
                    Some(text.span()),
                    format!(
                        "{what} `{}`: expected a length such as `5m`, `450cm`, `16ft` or `55in`",
                        text.get_ref()
                    ),
                )),
            }
        }
    }
    let night = file.night.as_ref().and_then(|night| {
        let from = parse_clock_minute(night.from.get_ref());
        let to = parse_clock_minute(night.to.get_ref());
        for (value, parsed) in [(&night.from, from), (&night.to, to)] {
            if parsed.is_none() {
                errors.push(at(
                    Some(value.span()),
                    format!(
                        "`{}`: expected a time of day such as `22:00`",
                        value.get_ref()
                    ),
                ));
            }
        }
        if !(0.0..=1.0).contains(&night.dim) {
            errors.push(at(
                Some(night.from.span()),
                format!("night dim {} must be between 0 and 1", night.dim),
            ));
        }
        Some(Night {
            from_minute: from?,
            to_minute: to?,
            dim: night.dim,
        })
    });
    if file.pages.is_empty() {
        errors.push(at(
            Some(file.version.span()),
            "a playlist needs at least one [[pages]] entry with a `layout`".to_owned(),
        ));
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut pages = Vec::new();
    for (page, dwell) in file.pages.iter().zip(dwells) {
        let layout_path = folder.join(page.layout.get_ref());
        match crate::layout::load_layout(&layout_path) {
            Ok(dashboard) => pages.push(Page { dashboard, dwell }),
            Err(LayoutErrors(layout_errors)) => {
                errors.push(at(
                    Some(page.layout.span()),
                    format!(
                        "layout `{}` has {} problem(s), listed below",
                        page.layout.get_ref(),
                        layout_errors.len()
                    ),
                ));
                errors.extend(layout_errors);
            }
        }
    }
    if !errors.is_empty() {
        return Err(LayoutErrors(errors));
    }
    let title = file
        .title
        .clone()
        .or_else(|| pages.first().map(|p| p.dashboard.title.clone()))
        .unwrap_or_default();
    Ok(Playlist {
        path: path.to_owned(),
        title,
        pages,
        monitor: file.monitor,
        legibility,
        stale_banner_after,
        pin_alarms: file.pin_alarms,
        burn_in_shift: file.burn_in_shift,
        night,
    })
}

/// A duration of at least a second, or the default when not given.
fn checked_duration(
    value: &Option<Spanned<String>>,
    default: Duration,
    what: &str,
) -> Result<Duration, (Range<usize>, String)> {
    let Some(text) = value else {
        return Ok(default);
    };
    match parse_duration(text.get_ref()) {
        Ok(duration) if duration >= Duration::from_secs(1) => Ok(duration),
        Ok(_) => Err((text.span(), format!("{what} must be at least 1s"))),
        Err(error) => Err((text.span(), format!("{what}: {error}"))),
    }
}

/// `5m`, `450cm`, `4500mm`, `16ft`, `55in` in mm.
fn parse_length_mm(text: &str) -> Option<f32> {
    let text = text.trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let value: f32 = text[..split].trim().parse().ok()?;
    let factor = match &text[split..] {
        "mm" => 1.0,
        "cm" => 10.0,
        "m" => 1_000.0,
        "in" => 25.4,
        "ft" => 304.8,
        _ => return None,
    };
    (value.is_finite() && value > 0.0).then_some(value * factor)
}

/// `22:00` as minutes after midnight.
fn parse_clock_minute(text: &str) -> Option<u32> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_times_of_day_read_as_people_write_them() {
        assert_eq!(parse_length_mm("5m"), Some(5_000.0));
        assert_eq!(parse_length_mm("55in"), Some(1_397.0));
        assert_eq!(parse_length_mm("16ft"), Some(4_876.8));
        assert_eq!(parse_length_mm("5 furlongs"), None);
        assert_eq!(parse_length_mm("-2m"), None);
        assert_eq!(parse_clock_minute("22:30"), Some(1_350));
        assert_eq!(parse_clock_minute("24:00"), None);
        let night = Night {
            from_minute: 22 * 60,
            to_minute: 6 * 60,
            dim: 0.5,
        };
        assert!(night.covers(23 * 60) && night.covers(60) && !night.covers(12 * 60));
    }
}
