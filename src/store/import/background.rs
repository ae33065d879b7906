//! The import's reading thread: it reads, types, sorts and encodes rows and
//! hands them over in batches, estimating from the bytes read how many rows
//! a file of known size holds. Batches given back are freed on that thread,
//! where they were allocated.

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::ops::ControlFlow;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;

use super::*;
use crate::model::EntityKind;

/// Rows handed from the reading thread to the caller at a time.
pub(super) const BATCH_ROWS: usize = 1024;

/// Reads rows on a thread of its own, in batches, while the caller stores
/// them: reading, typing and encoding rows costs about as much as storing
/// them. Batches given back through [`BackgroundReader::recycler`] are freed
/// on the reading thread, where they were made (freeing them elsewhere cost
/// a tenth of an import).
pub struct BackgroundReader {
    /// Each batch with the bytes of input read up to its last row.
    batches: Receiver<(RowBatch, u64)>,
    recycle: Sender<RowBatch>,
    thread: JoinHandle<Result<(), String>>,
    size: Option<u64>,
    rows_received: u64,
    bytes_received: u64,
}

impl BackgroundReader {
    pub fn start(source: ImportSource, kind: EntityKind) -> Result<BackgroundReader, String> {
        let (sender, batches) = std::sync::mpsc::sync_channel::<(RowBatch, u64)>(8);
        let (recycle, recycled) = std::sync::mpsc::channel::<RowBatch>();
        let ImportSource {
            input,
            format,
            size,
        } = source;
        let thread = std::thread::Builder::new()
            .name("import-reader".to_string())
            .spawn(move || {
                let consumed = Rc::new(Cell::new(0));
                let input = Counted {
                    inner: input,
                    consumed: Rc::clone(&consumed),
                };
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                let result = read_rows(input, format, kind, |row| {
                    batch.push(row);
                    if batch.len() == BATCH_ROWS {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                        // The caller stopped listening: stop reading.
                        if sender.send((full, consumed.get())).is_err() {
                            return ControlFlow::Break(());
                        }
                        while let Ok(done) = recycled.try_recv() {
                            drop(done);
                        }
                    }
                    ControlFlow::Continue(())
                });
                if !batch.is_empty() {
                    let _ = sender.send((batch, consumed.get()));
                }
                result
            })
            .map_err(|error| format!("cannot start reading: {error}"))?;
        Ok(BackgroundReader {
            batches,
            recycle,
            thread,
            size,
            rows_received: 0,
            bytes_received: 0,
        })
    }

    /// The next rows, or `None` when the input is read.
    pub fn next_batch(&mut self) -> Option<RowBatch> {
        let (batch, bytes) = self.batches.recv().ok()?;
        self.rows_received += batch.len() as u64;
        self.bytes_received = bytes;
        Some(batch)
    }

    /// How many rows the whole input holds, judged from the rows received
    /// so far and the bytes they took (for a file of known size).
    pub fn expected_rows(&self) -> Option<usize> {
        let size = self.size?;
        if self.bytes_received == 0 || self.rows_received == 0 {
            return None;
        }
        let expected = size as u128 * self.rows_received as u128 / self.bytes_received as u128;
        usize::try_from(expected).ok()
    }

    /// Where finished batches go to be freed on the reading thread (once
    /// that thread is done, sending fails and the batch is freed by the
    /// sender).
    pub fn recycler(&self) -> Sender<RowBatch> {
        self.recycle.clone()
    }

    /// Stops reading (if the input is not read yet) and tells whether the
    /// input as a whole could be read.
    pub fn finish(self) -> Result<(), String> {
        drop(self.batches);
        drop(self.recycle);
        self.thread
            .join()
            .unwrap_or_else(|_| Err("the import reader stopped unexpectedly".to_string()))
    }
}

/// A reader that counts the bytes taken from it.
struct Counted<R> {
    inner: R,
    consumed: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.consumed.set(self.consumed.get() + read as u64);
        Ok(read)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.consumed.set(self.consumed.get() + amount as u64);
        self.inner.consume(amount);
    }
}
