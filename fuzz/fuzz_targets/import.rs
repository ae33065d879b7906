//! Arbitrary bytes through the import readers — JSON lines, a JSON array
//! and CSV, for users and for accounts — the way `segscope import` reads a
//! file: no panic, whatever the input, and every row that comes out is one
//! the database may take (an id within the limits, line numbers from 1 and
//! never going back), every refused row named by a line and a reason.

#![no_main]

use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use segscope::model::{EntityKind, id_problem};
use segscope::store::import::{ImportFormat, read_rows};

fuzz_target!(|data: &[u8]| {
    for format in [ImportFormat::JsonLines, ImportFormat::JsonArray, ImportFormat::Csv] {
        for kind in [EntityKind::Users, EntityKind::Accounts] {
            check(data, format, kind);
        }
    }
});

fn check(data: &[u8], format: ImportFormat, kind: EntityKind) {
    let mut last_line = 0;
    let read = read_rows(data, format, kind, |row| {
        let line = match &row {
            Ok(row) => {
                assert_eq!(id_problem("the id", &row.id), None, "{format:?}: {:?}", row.id);
                row.line
            }
            Err(error) => {
                assert!(!error.message.is_empty(), "{format:?}: a reason for line {}", error.line);
                error.line
            }
        };
        assert!(line >= 1, "{format:?}: line {line}");
        assert!(line >= last_line, "{format:?}: line {line} after {last_line}");
        last_line = line;
        ControlFlow::Continue(())
    });
    if let Err(reason) = read {
        assert!(!reason.is_empty(), "{format:?}: a reason for the file");
    }
}
