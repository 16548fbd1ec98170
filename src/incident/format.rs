//! The incident file (`.fdi`), version 2:
//!
//! ```text
//! bytes 0..8    magic  "FLEETDI\0"
//! bytes 8..12   format version, u32 little-endian (2)
//! bytes 12..16  CRC-32 of the bytes from 24 on (as stored), u32 little-endian
//! bytes 16..24  length of the uncompressed payload, u64 little-endian
//! bytes 24..    the payload: an [`Incident`] as CBOR (ciborium), zstd-compressed
//! ```
//!
//! Everything in it is data a reader may see: sources by name and kind only,
//! and the layout's text with header values and URL credentials blanked.
//!
//! Version 2 added each query's outcome (a failure and its time), so a file
//! taken while a source was down says so instead of "loading…" for ever. A
//! version 1 file reads as one whose queries all answered; a fleetdeck that reads
//! only version 1 refuses a version 2 file ("update fleetdeck") rather than show
//! a failed panel as waiting.

use super::Incident;
use std::io::Read;

/// The first bytes of every incident file.
pub(crate) const MAGIC: &[u8; 8] = b"FLEETDI\0";
/// The format this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 2;
const HEADER_LEN: usize = 24;
/// Refuse payloads claiming more than this (a corrupt length must not allocate).
const MAX_PAYLOAD: u64 = 4 << 30;

/// Why an incident file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Not one of ours at all.
    #[error("not a fleetdeck incident file (it does not start with FLEETDI)")]
    NotIncident,
    /// Written by a newer fleetdeck.
    #[error(
        "incident file format {0} is newer than this fleetdeck reads ({FORMAT_VERSION}); update fleetdeck"
    )]
    Newer(u32),
    /// Cut short or damaged.
    #[error("incident file is truncated or corrupt: {0}")]
    Corrupt(String),
}

/// The bytes of an incident file.
pub fn to_bytes(incident: &Incident) -> Result<Vec<u8>, String> {
    let mut payload = Vec::new();
    ciborium::into_writer(incident, &mut payload).map_err(|e| e.to_string())?;
    let compressed = zstd::encode_all(payload.as_slice(), 9).map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(HEADER_LEN + compressed.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    // Over the bytes as stored: a flipped bit that zstd would decode all the same
    // is still damage.
    bytes.extend_from_slice(&crc32fast::hash(&compressed).to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&compressed);
    Ok(bytes)
}

/// An incident read back from its bytes, every check passed.
pub fn from_bytes(bytes: &[u8]) -> Result<Incident, ReadError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(ReadError::NotIncident);
    }
    let header = bytes
        .get(..HEADER_LEN)
        .ok_or_else(|| ReadError::Corrupt(format!("{} bytes, not even a header", bytes.len())))?;
    let word = |at: usize| {
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let version = word(8);
    if version > FORMAT_VERSION {
        return Err(ReadError::Newer(version));
    }
    if version == 0 {
        return Err(ReadError::Corrupt("format version 0".to_owned()));
    }
    let crc = word(12);
    let mut length_bytes = [0u8; 8];
    length_bytes.copy_from_slice(&header[16..24]);
    let length = u64::from_le_bytes(length_bytes);
    if length > MAX_PAYLOAD {
        return Err(ReadError::Corrupt(format!("a payload of {length} bytes")));
    }
    // The header's length is only trusted up to what is read.
    if crc32fast::hash(&bytes[HEADER_LEN..]) != crc {
        return Err(ReadError::Corrupt("checksum mismatch".to_owned()));
    }
    let mut payload = Vec::with_capacity((length as usize).min(64 << 20));
    zstd::Decoder::new(&bytes[HEADER_LEN..])
        .map_err(|e| ReadError::Corrupt(e.to_string()))?
        .take(length + 1)
        .read_to_end(&mut payload)
        .map_err(|e| ReadError::Corrupt(format!("cannot decompress: {e}")))?;
    if payload.len() as u64 != length {
        return Err(ReadError::Corrupt(format!(
            "{} bytes of payload where the header says {length}",
            payload.len()
        )));
    }
    ciborium::from_reader(payload.as_slice()).map_err(|e| ReadError::Corrupt(e.to_string()))
}
