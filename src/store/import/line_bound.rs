//! The bound on a line of an import file: no row a valid file can hold is
//! longer than [`MAX_LINE_BYTES`], so a longer line — `/dev/zero`, a binary
//! file, a JSON array of a million objects written on one line given as
//! JSON lines — stops the reading with an error naming the line, instead
//! of being gathered in memory until the machine runs out. What is read
//! stays within a fixed multiple of the bound, whatever the input.
//!
//! This module only counts bytes between newlines; what a line means is
//! `formats`'.

use std::io::{BufRead, Read};

pub use crate::model::MAX_LINE_BYTES;

/// The error a line past the bound gives: which line, and what the bound
/// is.
pub fn too_long(line: usize) -> String {
    format!(
        "line {line} is longer than {} MiB, the most one row may take: is this a file of {} at all?",
        MAX_LINE_BYTES / (1024 * 1024),
        "rows (JSON lines, a JSON array, or CSV)"
    )
}

/// Reads one line (its newline included) into `line`, at most
/// [`MAX_LINE_BYTES`] of it: `Ok(None)` at the end of the input,
/// `Ok(Some(bytes))` for a line, `Err(too_long)` for a line past the bound
/// (`number` is the line's number, for the message).
pub fn read_bounded_line(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
    number: usize,
) -> Result<Option<usize>, String> {
    line.clear();
    let read = input
        .by_ref()
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', line)
        .map_err(|error| format!("cannot read line {number}: {error}"))?;
    if read == 0 {
        return Ok(None);
    }
    if line.len() > MAX_LINE_BYTES && line.last() != Some(&b'\n') {
        return Err(too_long(number));
    }
    Ok(Some(read))
}

/// A reader that fails (as an I/O error saying which line) once a line
/// runs past [`MAX_LINE_BYTES`]: what the CSV reader reads through, so a
/// record never grows without bound.
pub struct LineBound<R> {
    inner: R,
    /// Bytes since the last newline.
    run: usize,
    /// The line being read (1-based).
    line: usize,
}

impl<R> LineBound<R> {
    pub fn new(inner: R) -> LineBound<R> {
        LineBound {
            inner,
            run: 0,
            line: 1,
        }
    }
}

impl<R: Read> Read for LineBound<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        for &byte in &buf[..read] {
            if byte == b'\n' {
                self.run = 0;
                self.line += 1;
            } else {
                self.run += 1;
                if self.run > MAX_LINE_BYTES {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        too_long(self.line),
                    ));
                }
            }
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_line_stops_at_the_bound() {
        let mut input = std::io::BufReader::new(std::io::repeat(b'x'));
        let mut line = Vec::new();
        let error = read_bounded_line(&mut input, &mut line, 1).unwrap_err();
        assert!(error.starts_with("line 1 is longer than 16 MiB"), "{error}");
        assert!(line.len() <= MAX_LINE_BYTES + 1);
    }

    #[test]
    fn lines_within_the_bound_read_whole() {
        let mut input = std::io::Cursor::new(b"a\nbb\n\nccc".to_vec());
        let mut line = Vec::new();
        let mut seen = Vec::new();
        while read_bounded_line(&mut input, &mut line, 1)
            .unwrap()
            .is_some()
        {
            seen.push(String::from_utf8(line.clone()).unwrap());
        }
        assert_eq!(seen, ["a\n", "bb\n", "\n", "ccc"]);
    }

    #[test]
    fn the_csv_guard_names_the_line() {
        let text = format!("id\nu1\n{}", "y".repeat(MAX_LINE_BYTES + 1));
        let mut guarded = LineBound::new(std::io::Cursor::new(text.into_bytes()));
        let mut sink = Vec::new();
        let error = guarded.read_to_end(&mut sink).unwrap_err();
        assert!(
            error.to_string().starts_with("line 3 is longer than"),
            "{error}"
        );
    }
}
