//! Checksums on the records redb does not check on read: every stored
//! entity, definition, member chunk and membership-event record, each
//! sync run and, in text, each acknowledged sync payload and each deleted
//! entity's id, ends with a CRC-32 of its table, its key and its bytes,
//! verified each time it is read.
//! A record whose checksum does not match — a byte changed on the disk, a
//! record read from the wrong table or under another key — is reported as
//! damage, never decoded as if it were data.
//!
//! This is not encryption nor a defence against someone who rewrites the
//! file on purpose: it catches what the disk, a copy or a stray write did.

/// Bytes the checksum adds at the end of a record.
pub const SEAL_BYTES: usize = 4;

/// Which table a record lives in: part of what its checksum covers, so a
/// record of one table read as another's does not pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sealed {
    Users,
    Accounts,
    Definitions,
    SegmentMembers,
    PlaybookMatches,
    MembershipEvents,
    Meta,
    UserOrdinals,
    AccountOrdinals,
    SyncState,
    SyncRuns,
}

impl Sealed {
    fn tag(self) -> u8 {
        match self {
            Sealed::Users => 1,
            Sealed::Accounts => 2,
            Sealed::Definitions => 3,
            Sealed::SegmentMembers => 4,
            Sealed::PlaybookMatches => 5,
            Sealed::MembershipEvents => 6,
            Sealed::Meta => 7,
            Sealed::UserOrdinals => 8,
            Sealed::AccountOrdinals => 9,
            Sealed::SyncState => 10,
            Sealed::SyncRuns => 11,
        }
    }
}

/// A record's key is given as its parts (`(kind, name)` is two); the
/// checksum reads each part's length, then its bytes, so `("ab", "c")` and
/// `("a", "bc")` differ.
fn checksum(table: Sealed, key: &[&[u8]], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[table.tag()]);
    for part in key {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.update(payload);
    hasher.finalize()
}

/// Appends the checksum of `record` (the payload written so far) under
/// `key` in `table`.
pub fn seal(table: Sealed, key: &[&[u8]], record: &mut Vec<u8>) {
    let sum = checksum(table, key, record);
    record.extend_from_slice(&sum.to_le_bytes());
}

/// The payload of a sealed record, or why it cannot be trusted.
pub fn unseal<'r>(table: Sealed, key: &[&[u8]], stored: &'r [u8]) -> Result<&'r [u8], String> {
    let Some(split) = stored.len().checked_sub(SEAL_BYTES) else {
        return Err(format!(
            "a record of {} bytes is shorter than its checksum",
            stored.len()
        ));
    };
    let (payload, sum) = stored.split_at(split);
    let stored_sum = u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]);
    if checksum(table, key, payload) == stored_sum {
        Ok(payload)
    } else {
        Err("its checksum does not match its contents".to_string())
    }
}

/// Hex digits a text record's checksum takes at its end.
const TEXT_SEAL_BYTES: usize = 8;

/// A text record (a table whose values are text) with its checksum
/// appended as hex digits, so it stays text.
pub fn seal_text(table: Sealed, key: &[&[u8]], payload: &str) -> String {
    let sum = checksum(table, key, payload.as_bytes());
    format!("{payload}{sum:08x}")
}

/// The payload of a sealed text record, or why it cannot be trusted.
pub fn unseal_text<'r>(table: Sealed, key: &[&[u8]], stored: &'r str) -> Result<&'r str, String> {
    let split = stored.len().checked_sub(TEXT_SEAL_BYTES);
    let Some(split) = split.filter(|at| stored.is_char_boundary(*at)) else {
        return Err(format!(
            "a record of {} bytes does not end with its checksum",
            stored.len()
        ));
    };
    let (payload, sum) = stored.split_at(split);
    let stored_sum = u32::from_str_radix(sum, 16)
        .ok()
        // Lower case only: an upper-case digit is a changed byte.
        .filter(|_| sum.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    if stored_sum == Some(checksum(table, key, payload.as_bytes())) {
        Ok(payload)
    } else {
        Err("its checksum does not match its contents".to_string())
    }
}

/// A value of the `meta` table (a small fact under a name) with its
/// checksum.
pub fn sealed_meta(key: &str, value: &[u8]) -> Vec<u8> {
    let mut record = value.to_vec();
    seal(Sealed::Meta, &[key.as_bytes()], &mut record);
    record
}

/// The fact stored under `key` in `meta`, or why it cannot be trusted.
pub fn meta_payload<'r>(key: &str, stored: &'r [u8]) -> Result<&'r [u8], String> {
    unseal(Sealed::Meta, &[key.as_bytes()], stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_record_reads_back_and_any_changed_byte_is_caught() {
        let key: &[&[u8]] = &[b"user-1"];
        let mut record = b"some postcard bytes".to_vec();
        seal(Sealed::Users, key, &mut record);
        assert_eq!(
            unseal(Sealed::Users, key, &record).unwrap(),
            b"some postcard bytes"
        );
        for position in 0..record.len() {
            for bit in 0..8 {
                let mut damaged = record.clone();
                damaged[position] ^= 1 << bit;
                assert!(unseal(Sealed::Users, key, &damaged).is_err());
            }
        }
    }

    #[test]
    fn a_sealed_text_record_reads_back_and_any_changed_byte_is_caught() {
        let key: &[&[u8]] = &[b"hubspot", b"users:email", b"a@example.com"];
        let record = seal_text(Sealed::SyncState, key, "{\"plan\":\"pro\"}");
        assert_eq!(
            unseal_text(Sealed::SyncState, key, &record).unwrap(),
            "{\"plan\":\"pro\"}"
        );
        for position in 0..record.len() {
            for bit in 0..7 {
                let mut damaged = record.clone().into_bytes();
                damaged[position] ^= 1 << bit;
                let Ok(damaged) = String::from_utf8(damaged) else {
                    continue;
                };
                assert!(unseal_text(Sealed::SyncState, key, &damaged).is_err());
            }
        }
        assert!(unseal_text(Sealed::SyncState, key, "short").is_err());
        assert!(unseal_text(Sealed::SyncState, key, "ééééé").is_err());
        assert!(unseal_text(Sealed::UserOrdinals, key, &record).is_err());
    }

    #[test]
    fn a_record_under_another_key_or_table_is_caught() {
        let mut record = b"payload".to_vec();
        seal(Sealed::Users, &[b"ab", b"c"], &mut record);
        assert!(unseal(Sealed::Users, &[b"a", b"bc"], &record).is_err());
        assert!(unseal(Sealed::Accounts, &[b"ab", b"c"], &record).is_err());
        assert!(unseal(Sealed::Users, &[], &[1, 2]).is_err());
    }
}
