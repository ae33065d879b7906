//! A JSON array read as a stream of its elements: the text of one element
//! at a time is gathered (at most [`MAX_LINE_BYTES`] of it) and handed on
//! with the line it starts on, so a file of a million objects is never
//! held whole and an endless or runaway element stops with an error naming
//! its line. The splitting follows only JSON's structure — brackets,
//! braces, strings and their escapes — and leaves the meaning of an
//! element to serde (in `formats`).
//!
//! It is not a JSON parser: a malformed element is found by the parse of
//! its text, not here.

use std::io::BufRead;

use super::line_bound::MAX_LINE_BYTES;

/// One step of the array: an element's text and its first line, or the
/// end of the array.
pub enum Step {
    Element {
        text: Vec<u8>,
        line: usize,
    },
    /// An element left open by the end of the input: its text so far, for
    /// the parse to name what is missing.
    Unfinished {
        text: Vec<u8>,
        line: usize,
    },
    End,
}

/// The elements of the one array a `.json` import file holds.
pub struct ArrayElements<R> {
    input: R,
    /// The line of the next byte (1-based).
    line: usize,
    /// Whether the opening `[` has been read.
    opened: bool,
    /// Whether an element has been handed on (a `,` or `]` comes next).
    after_element: bool,
}

impl<R: BufRead> ArrayElements<R> {
    pub fn new(input: R) -> ArrayElements<R> {
        ArrayElements {
            input,
            line: 1,
            opened: false,
            after_element: false,
        }
    }

    /// The next element, the end of the array, or what is wrong with the
    /// file's structure (with its line).
    pub fn next_step(&mut self) -> Result<Step, String> {
        if !self.opened {
            self.open()?;
            if self.skip_space()? == Some(b']') {
                self.bump()?;
                return self.close();
            }
        } else if self.after_element {
            match self.skip_space()? {
                Some(b',') => {
                    self.bump()?;
                    if self.skip_space()? == Some(b']') {
                        return Err(format!(
                            "line {}: a , before the closing ] (JSON allows no comma after the last element)",
                            self.line
                        ));
                    }
                }
                Some(b']') => {
                    self.bump()?;
                    return self.close();
                }
                None => return Err("the array is not closed with ]".to_string()),
                Some(_) => {
                    return Err(format!(
                        "line {}: expected , or ] after an element of the array",
                        self.line
                    ));
                }
            }
        }
        self.skip_space()?;
        let line = self.line;
        let (text, finished) = self.element(line)?;
        if text.is_empty() {
            return Err("the array is not closed with ]".to_string());
        }
        self.after_element = true;
        Ok(if finished {
            Step::Element { text, line }
        } else {
            Step::Unfinished { text, line }
        })
    }

    /// Reads the `[` that opens the file (after a byte order mark and
    /// white space).
    fn open(&mut self) -> Result<(), String> {
        let buffer = self.input.fill_buf().map_err(read_error)?;
        if buffer.starts_with("\u{feff}".as_bytes()) {
            self.input.consume(3);
        }
        if self.skip_space()? != Some(b'[') {
            return Err(
                "a .json file must hold one array of objects, such as [{\"id\": \"u1\"}]"
                    .to_string(),
            );
        }
        self.bump()?;
        self.opened = true;
        Ok(())
    }

    /// After the closing `]`: only white space may follow.
    fn close(&mut self) -> Result<Step, String> {
        if self.skip_space()?.is_some() {
            return Err(format!(
                "line {}: text after the array's closing ]: a .json file holds one array (for one object per line, name the file .jsonl)",
                self.line
            ));
        }
        Ok(Step::End)
    }

    /// Gathers one element's text: an object or array up to its matching
    /// close, a string up to its closing quote, anything else up to the
    /// next `,`, `]` or white space. `false` when the input ended first.
    fn element(&mut self, line: usize) -> Result<(Vec<u8>, bool), String> {
        let mut text = Vec::new();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let Some(byte) = self.peek()? else {
                return Ok((text, false));
            };
            if !in_string && depth == 0 && !text.is_empty() && ends_scalar(byte) {
                return Ok((text, true));
            }
            self.bump()?;
            text.push(byte);
            if text.len() > MAX_LINE_BYTES {
                return Err(format!(
                    "line {line}: an element of the array is longer than {} MiB, the most one row may take",
                    MAX_LINE_BYTES / (1024 * 1024)
                ));
            }
            if in_string {
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                    if depth == 0 {
                        return Ok((text, true));
                    }
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok((text, true));
                    }
                }
                _ => {}
            }
        }
    }

    /// Skips white space; the byte after it, if any.
    fn skip_space(&mut self) -> Result<Option<u8>, String> {
        while let Some(byte) = self.peek()? {
            if !byte.is_ascii_whitespace() {
                return Ok(Some(byte));
            }
            self.bump()?;
        }
        Ok(None)
    }

    fn peek(&mut self) -> Result<Option<u8>, String> {
        let buffer = self.input.fill_buf().map_err(read_error)?;
        Ok(buffer.first().copied())
    }

    /// Moves past the byte `peek` saw.
    fn bump(&mut self) -> Result<(), String> {
        if self.peek()? == Some(b'\n') {
            self.line += 1;
        }
        self.input.consume(1);
        Ok(())
    }
}

/// Whether `byte` ends a number, `true`, `false` or `null`.
fn ends_scalar(byte: u8) -> bool {
    byte == b',' || byte == b']' || byte == b'}' || byte.is_ascii_whitespace()
}

fn read_error(error: std::io::Error) -> String {
    format!("cannot read the file: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(text: &str) -> Vec<Result<(String, usize), String>> {
        let mut elements = ArrayElements::new(std::io::Cursor::new(text.as_bytes().to_vec()));
        let mut seen = Vec::new();
        loop {
            match elements.next_step() {
                Ok(Step::Element { text, line }) => {
                    seen.push(Ok((String::from_utf8(text).unwrap(), line)))
                }
                Ok(Step::Unfinished { text, line }) => {
                    seen.push(Ok((
                        format!("unfinished {}", String::from_utf8(text).unwrap()),
                        line,
                    )));
                    return seen;
                }
                Ok(Step::End) => return seen,
                Err(error) => {
                    seen.push(Err(error));
                    return seen;
                }
            }
        }
    }

    #[test]
    fn elements_come_whole_with_their_lines() {
        let text = "\u{feff} [\n{\"id\": \"a\", \"x\": [1, {\"y\": \"]}\\\"\"}]},\n\n \"s,]\" , 12 ,true]\n";
        assert_eq!(
            steps(text),
            [
                Ok((
                    "{\"id\": \"a\", \"x\": [1, {\"y\": \"]}\\\"\"}]}".to_string(),
                    2
                )),
                Ok(("\"s,]\"".to_string(), 4)),
                Ok(("12".to_string(), 4)),
                Ok(("true".to_string(), 4)),
            ]
        );
        assert!(steps("[]").is_empty());
        assert!(steps(" [ \n ] \n").is_empty());
    }

    #[test]
    fn structural_errors_name_their_line() {
        let last = |text: &str| steps(text).pop().unwrap();
        assert!(
            last("{\"id\": 1}")
                .unwrap_err()
                .contains("must hold one array")
        );
        assert_eq!(
            last("[{}]\n[{}]").unwrap_err(),
            "line 2: text after the array's closing ]: a .json file holds one array (for one object per line, name the file .jsonl)"
        );
        assert!(
            last("[{} {}]")
                .unwrap_err()
                .starts_with("line 1: expected , or ]")
        );
        assert!(
            last("[{},\n]")
                .unwrap_err()
                .starts_with("line 2: a , before the closing ]")
        );
        assert_eq!(last("[{}").unwrap_err(), "the array is not closed with ]");
        assert_eq!(
            last("[\n{\"id\": \"a"),
            Ok(("unfinished {\"id\": \"a".to_string(), 2))
        );
    }

    #[test]
    fn an_endless_element_stops_at_the_bound() {
        let input =
            std::io::BufReader::new(std::io::Read::chain(&b"[\n\"x"[..], std::io::repeat(b'x')));
        let error = match ArrayElements::new(input).next_step() {
            Err(error) => error,
            Ok(_) => panic!("an endless element must stop"),
        };
        assert!(
            error.starts_with("line 2: an element of the array is longer than 16 MiB"),
            "{error}"
        );
    }
}
