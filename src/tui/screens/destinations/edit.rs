//! Changing a destination from the screen: its segment filter, ticked in a
//! picker of the kind's segments (with their member counts; none ticked
//! sends everyone), and how its Segments mapping goes (a List or Multi-line
//! text). Both save through the workspace at once: a destination from a
//! file is rewritten in its file, comments kept, and applied again; one
//! made in the UI stays the UI's.

use std::collections::HashSet;

use super::DestinationsScreen;
use crate::model::destination::{Destination, ListEncoding};
use crate::model::{EntityKind, Origin, SEGMENTS, fold_name};
use crate::tui::action::Action;
use crate::tui::screens::{Changed, Context, Input};
use crate::tui::widgets::picker::{Item, Picker};
use crate::tui::widgets::text::{file_name, thousands};

/// The picker of a part's segment filter, open over the screen.
pub struct FilterPicker {
    pub picker: Picker,
    /// The destination and part it changes.
    pub destination: String,
    pub kind: EntityKind,
    /// The segment names ticked when it opened (folded).
    before: HashSet<String>,
}

impl FilterPicker {
    fn ticked(&self) -> Vec<String> {
        self.picker
            .items()
            .iter()
            .filter(|item| item.checked == Some(true))
            .map(|item| item.label.clone())
            .collect()
    }

    /// Has anything been ticked or unticked since it opened?
    pub fn is_changed(&self) -> bool {
        let now: HashSet<String> = self.ticked().iter().map(|n| fold_name(n)).collect();
        now != self.before
    }
}

/// How a Segments mapping's encoding reads on screen.
pub fn encoding_label(encoding: ListEncoding) -> &'static str {
    match encoding {
        ListEncoding::List => "List",
        ListEncoding::Text => "Multi-line text",
    }
}

impl DestinationsScreen {
    pub(super) fn open_picker(&mut self, context: &mut Context) {
        let (Some(entry), Some(kind)) = (self.entry(), self.part_kind()) else {
            context.out.error(super::no_destinations());
            return;
        };
        let Some(sync) = entry.destination.kind(kind) else {
            return;
        };
        let before: HashSet<String> = sync.segments.iter().map(|n| fold_name(n)).collect();
        let items: Vec<Item> = self
            .segments
            .iter()
            .filter(|segment| segment.kind == kind)
            .map(|segment| Item {
                label: segment.name.clone(),
                detail: format!("{} {}", thousands(segment.members as u64), kind),
                checked: Some(before.contains(&fold_name(&segment.name))),
            })
            .collect();
        if items.is_empty() {
            context.out.info(format!(
                "there are no {} segments to filter by: every {} goes",
                kind.singular(),
                kind.singular()
            ));
            return;
        }
        let title = format!(
            "Segment filter of \"{}\" {kind} (none ticked: every {})",
            entry.destination.name,
            kind.singular()
        );
        self.picker = Some(FilterPicker {
            picker: Picker::new(title, items),
            destination: entry.destination.name.clone(),
            kind,
            before,
        });
    }

    pub(super) fn handle_picker(&mut self, input: &Input, context: &mut Context) {
        let Some(open) = self.picker.as_mut() else {
            return;
        };
        match input.action {
            Some(Action::Dismiss) => {
                let changed = open.is_changed();
                self.picker = None;
                if changed {
                    context.out.info("segment filter left as it was");
                }
            }
            Some(Action::Accept) => {
                if let Some(index) = open.picker.chosen() {
                    open.picker.toggle(index);
                }
            }
            Some(Action::SaveTicked) => {
                let ticked = open.ticked();
                let (name, kind) = (open.destination.clone(), open.kind);
                if !open.is_changed() {
                    self.picker = None;
                    context.out.info("segment filter unchanged");
                    return;
                }
                if self.save_filter(&name, kind, ticked, context) {
                    self.picker = None;
                }
            }
            _ => {
                open.picker
                    .handle(input.key, input.action, context.page_rows);
            }
        }
    }

    /// Saves a part's filter; whether it was saved.
    fn save_filter(
        &mut self,
        name: &str,
        kind: EntityKind,
        segments: Vec<String>,
        context: &mut Context,
    ) -> bool {
        let Some(mut destination) = self.destination_named(name) else {
            return false;
        };
        let Some(sync) = destination.kind_mut(kind) else {
            return false;
        };
        let what = if segments.is_empty() {
            format!("every {} goes (no segment filter)", kind.singular())
        } else {
            format!("{kind} in {} go", quoted(&segments).join(" or "))
        };
        sync.segments = segments;
        let said = format!("\"{name}\": {what}");
        self.save(&destination, said, context)
    }

    pub(super) fn toggle_encoding(&mut self, context: &mut Context) {
        let (Some(entry), Some(kind)) = (self.entry(), self.part_kind()) else {
            context.out.error(super::no_destinations());
            return;
        };
        let mut destination = entry.destination.clone();
        let name = destination.name.clone();
        let Some(mapping) = destination.kind_mut(kind).and_then(|sync| {
            sync.mappings
                .iter_mut()
                .find(|mapping| mapping.source == SEGMENTS)
        }) else {
            context.out.error(format!(
                "\"{name}\" sends no Segments of its {kind}: add `map segments -> PROPERTY` to its {kind} block"
            ));
            return;
        };
        let next = match mapping.encoding() {
            ListEncoding::List => ListEncoding::Text,
            ListEncoding::Text => ListEncoding::List,
        };
        mapping.encoding = Some(next);
        let said = format!(
            "\"{name}\" {kind}: segments → {} now goes as {}",
            mapping.target,
            encoding_label(next)
        );
        self.save(&destination, said, context);
    }

    /// Saves a changed destination in place of the one of its name; says
    /// what changed and where it was saved. Whether it was saved.
    fn save(&mut self, destination: &Destination, said: String, context: &mut Context) -> bool {
        let origin = self
            .entries
            .iter()
            .find(|entry| fold_name(&entry.destination.name) == fold_name(&destination.name))
            .map(|entry| entry.origin.clone());
        let Some(workspace) = context.workspace() else {
            return false;
        };
        match workspace.save_destination(destination, Some(&destination.name)) {
            Ok(_) => {
                let place = match &origin {
                    Some(Origin::File(path)) => format!("saved in {}", file_name(path)),
                    _ => "saved".to_string(),
                };
                context.out.info(format!("{said} ({place})"));
                context.out.changed.merge(Changed::DEFINITIONS);
                context.out.wrote_files |= matches!(origin, Some(Origin::File(_)));
                true
            }
            Err(failure) => {
                context.out.error(format!(
                    "\"{}\" not saved: {}",
                    destination.name,
                    failure.summary()
                ));
                false
            }
        }
    }

    fn destination_named(&self, name: &str) -> Option<Destination> {
        self.entries
            .iter()
            .find(|entry| fold_name(&entry.destination.name) == fold_name(name))
            .map(|entry| entry.destination.clone())
    }
}

fn quoted(names: &[String]) -> Vec<String> {
    names.iter().map(|name| format!("\"{name}\"")).collect()
}
