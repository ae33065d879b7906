//! The condition builder ("+ Add condition"): one chip of the filter bar
//! made in three steps, each a picker. First the property — **Segments**
//! (and, for users, **Account segments**) first, then the kind's
//! properties from the data with their types and how many entities have
//! them, then for users the accounts' as `account.<name>`. Then an operator
//! valid for that type (`in` / `not in` for segments). Then the value: a
//! segment of the right kind with its member count, or a literal typed or
//! picked from the property's most frequent values.
//!
//! What it makes is the text of a condition of the language, checked by
//! the workspace before it is handed back; the builder never evaluates.
//! Esc goes back a step.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::filter_bar::{Built, Chip};
use super::picker::{Item, Picker};
use super::suggestions::operators_for;
use super::text::thousands;
use crate::lang::format::{quoted, scalar_literal};
use crate::model::EntityKind;
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::workspace::{PropertyInfo, Workspace};

/// Values offered for a property.
const OFFERED_VALUES: usize = 12;

/// The builder's entries for membership.
pub const SEGMENTS_ENTRY: &str = "Segments";
pub const ACCOUNT_SEGMENTS_ENTRY: &str = "Account segments";

/// What a condition is about.
#[derive(Clone, Debug, PartialEq)]
enum Target {
    /// `in segment` (or, with `account`, `account in segment`).
    Segments {
        account: bool,
    },
    Property(PropertyInfo),
}

impl Target {
    fn name(&self) -> String {
        match self {
            Target::Segments { account: false } => SEGMENTS_ENTRY.to_string(),
            Target::Segments { account: true } => ACCOUNT_SEGMENTS_ENTRY.to_string(),
            Target::Property(info) => info.path.clone(),
        }
    }
}

/// An operator and the shape of the value it takes.
#[derive(Clone, Debug, PartialEq)]
struct Operator {
    word: String,
    meaning: String,
}

impl Operator {
    fn takes_value(&self) -> bool {
        !matches!(self.word.as_str(), "is set" | "is not set")
    }

    fn takes_list(&self) -> bool {
        matches!(self.word.as_str(), "in" | "not in" | "has any" | "has all")
    }
}

enum Step {
    Property(Picker),
    Operator {
        target: Target,
        operators: Vec<Operator>,
        picker: Picker,
    },
    Value {
        target: Target,
        operator: Operator,
        /// Each item's literal text (or segment name).
        values: Vec<String>,
        picker: Picker,
        /// The highlight moved since the last key typed: Enter takes the
        /// highlighted item rather than the typed text.
        moved: bool,
    },
}

/// What the builder did with an input.
#[derive(Debug, PartialEq)]
pub enum BuilderOutcome {
    Stay,
    Cancelled,
    Done(Chip),
}

pub struct ConditionBuilder {
    kind: EntityKind,
    catalog: Vec<PropertyInfo>,
    step: Step,
    error: Option<String>,
}

impl ConditionBuilder {
    /// A builder at its first step, over `catalog` (the workspace's
    /// `property_catalog(kind)`).
    pub fn new(kind: EntityKind, catalog: Vec<PropertyInfo>) -> ConditionBuilder {
        let step = Step::Property(property_picker(kind, &catalog));
        ConditionBuilder {
            kind,
            catalog,
            step,
            error: None,
        }
    }

    /// A builder reopened on a chip it made, at the value step with the
    /// value typed before.
    pub fn editing(
        kind: EntityKind,
        catalog: Vec<PropertyInfo>,
        built: &Built,
        workspace: &Workspace,
    ) -> ConditionBuilder {
        let mut builder = ConditionBuilder::new(kind, catalog);
        let Some(target) = builder.target_named(&built.property) else {
            return builder;
        };
        let operator = builder
            .operators(&target)
            .into_iter()
            .find(|operator| operator.word == built.operator);
        if let Some(operator) = operator {
            builder.step = value_step(kind, target, operator, workspace, &built.value);
        }
        builder
    }

    fn target_named(&self, name: &str) -> Option<Target> {
        match name {
            SEGMENTS_ENTRY => Some(Target::Segments { account: false }),
            ACCOUNT_SEGMENTS_ENTRY => Some(Target::Segments { account: true }),
            path => self
                .catalog
                .iter()
                .find(|info| info.path == path)
                .cloned()
                .map(Target::Property),
        }
    }

    fn operators(&self, target: &Target) -> Vec<Operator> {
        match target {
            Target::Segments { .. } => vec![
                Operator {
                    word: "in".to_string(),
                    meaning: "a member of the segment".to_string(),
                },
                Operator {
                    word: "not in".to_string(),
                    meaning: "not a member of the segment".to_string(),
                },
            ],
            Target::Property(info) => operators_for(&info.type_word, &info.path)
                .into_iter()
                .map(|(word, _, meaning)| Operator {
                    word: word.to_string(),
                    meaning: meaning.to_string(),
                })
                .collect(),
        }
    }

    /// Handles one input; `workspace` checks what is made.
    pub fn handle(
        &mut self,
        key: Option<KeyEvent>,
        action: Option<Action>,
        workspace: &Workspace,
        page: usize,
    ) -> BuilderOutcome {
        match action {
            Some(Action::Dismiss) => return self.back(),
            Some(Action::Accept) => return self.accept(workspace),
            _ => {}
        }
        let picker = match &mut self.step {
            Step::Property(picker) | Step::Operator { picker, .. } => picker,
            Step::Value { picker, moved, .. } => {
                *moved = matches!(
                    action,
                    Some(
                        Action::NextItem | Action::PreviousItem | Action::PageUp | Action::PageDown
                    )
                ) || (*moved && key.is_none());
                picker
            }
        };
        if picker.handle(key, action, page) {
            self.error = None;
        }
        BuilderOutcome::Stay
    }

    fn back(&mut self) -> BuilderOutcome {
        self.error = None;
        let step = std::mem::replace(&mut self.step, Step::Property(Picker::new("", Vec::new())));
        self.step = match step {
            Step::Property(_) => return BuilderOutcome::Cancelled,
            Step::Operator { .. } => Step::Property(property_picker(self.kind, &self.catalog)),
            Step::Value { target, .. } => self.operator_step(target),
        };
        BuilderOutcome::Stay
    }

    fn operator_step(&self, target: Target) -> Step {
        let operators = self.operators(&target);
        let items = operators
            .iter()
            .map(|operator| Item::new(operator.word.clone(), operator.meaning.clone()))
            .collect();
        let picker = Picker::new(format!("{} — operator", target.name()), items);
        Step::Operator {
            target,
            operators,
            picker,
        }
    }

    fn accept(&mut self, workspace: &Workspace) -> BuilderOutcome {
        match &self.step {
            Step::Property(picker) => {
                let Some(index) = picker.chosen() else {
                    return BuilderOutcome::Stay;
                };
                let label = picker.items()[index].label.clone();
                if let Some(target) = self.target_named(&label) {
                    self.step = self.operator_step(target);
                }
                BuilderOutcome::Stay
            }
            Step::Operator {
                target,
                operators,
                picker,
            } => {
                let Some(operator) = picker.chosen().and_then(|i| operators.get(i)).cloned() else {
                    return BuilderOutcome::Stay;
                };
                let target = target.clone();
                if operator.takes_value() {
                    self.step = value_step(self.kind, target, operator, workspace, "");
                    return BuilderOutcome::Stay;
                }
                self.finish(workspace, &target, &operator, String::new())
            }
            Step::Value {
                target,
                operator,
                values,
                picker,
                moved,
            } => {
                let typed = picker.search_text();
                let highlighted = picker.chosen().and_then(|i| values.get(i)).cloned();
                // A segment is always picked from the list; a value is
                // typed unless the highlight moved or nothing was typed.
                let picks_item =
                    matches!(target, Target::Segments { .. }) || *moved || typed.trim().is_empty();
                let value = match highlighted {
                    Some(item) if picks_item => item,
                    _ => typed.trim().to_string(),
                };
                if value.is_empty() {
                    self.error = Some("type a value, or pick one from the list".to_string());
                    return BuilderOutcome::Stay;
                }
                let (target, operator) = (target.clone(), operator.clone());
                self.finish(workspace, &target, &operator, value)
            }
        }
    }

    /// Makes the chip's text and checks it; stays with the error if it
    /// does not check.
    fn finish(
        &mut self,
        workspace: &Workspace,
        target: &Target,
        operator: &Operator,
        value: String,
    ) -> BuilderOutcome {
        let candidates = condition_texts(target, operator, &value);
        let mut first_error = None;
        for text in candidates {
            match workspace.check_condition(self.kind, &text) {
                Ok(_) => {
                    return BuilderOutcome::Done(Chip {
                        text,
                        built: Some(Built {
                            property: target.name(),
                            operator: operator.word.clone(),
                            value,
                        }),
                    });
                }
                Err(diagnostics) => {
                    if first_error.is_none() {
                        first_error = diagnostics
                            .first()
                            .map(|d| format!("{text}: {}", d.message));
                    }
                }
            }
        }
        self.error = first_error.or(Some("that value does not make a condition".to_string()));
        BuilderOutcome::Stay
    }

    /// Draws the step's picker over `area`, with the error under it.
    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: Theme) {
        let picker = match &self.step {
            Step::Property(picker) | Step::Operator { picker, .. } | Step::Value { picker, .. } => {
                picker
            }
        };
        let hint = match &self.step {
            Step::Value {
                target: Target::Segments { .. },
                ..
            } => "enter takes the segment · esc back",
            Step::Value { .. } => "type a value or pick one · enter adds · esc back",
            _ => "type to search · enter next · esc back",
        };
        let height = area
            .height
            .saturating_sub(if self.error.is_some() { 1 } else { 0 });
        picker.draw(frame, Rect { height, ..area }, theme, hint);
        if let Some(error) = &self.error {
            let line = Rect {
                y: area.y + height,
                height: 1,
                ..area
            };
            frame.render_widget(
                Paragraph::new(Line::from(Span::styled(error.clone(), theme.error()))),
                line,
            );
        }
    }
}

/// The first step's list: the membership entries, then every property.
fn property_picker(kind: EntityKind, catalog: &[PropertyInfo]) -> Picker {
    let mut items = vec![Item::new(
        SEGMENTS_ENTRY,
        format!("in / not in a {} segment", kind.singular()),
    )];
    if kind == EntityKind::Users {
        items.push(Item::new(
            ACCOUNT_SEGMENTS_ENTRY,
            "the user's account in / not in an accounts segment",
        ));
    }
    items.extend(
        catalog
            .iter()
            .filter(|info| info.path != crate::model::SEGMENTS)
            .map(|info| {
                Item::new(
                    info.path.clone(),
                    format!(
                        "{} · {} {}",
                        info.type_word,
                        thousands(info.count as u64),
                        info.counted
                    ),
                )
            }),
    );
    Picker::new("Add a condition — property", items)
}

/// The value step: segments of the right kind, or the property's most
/// frequent values; `typed` starts the search line.
fn value_step(
    kind: EntityKind,
    target: Target,
    operator: Operator,
    workspace: &Workspace,
    typed: &str,
) -> Step {
    let (values, items): (Vec<String>, Vec<Item>) = match &target {
        Target::Segments { account } => {
            let wanted = if *account { EntityKind::Accounts } else { kind };
            workspace
                .segments()
                .into_iter()
                .filter(|summary| summary.kind == wanted)
                .map(|summary| {
                    let item = Item::new(
                        summary.name.clone(),
                        match summary.members {
                            1 => "1 member".to_string(),
                            n => format!("{} members", thousands(n as u64)),
                        },
                    );
                    (summary.name, item)
                })
                .unzip()
        }
        Target::Property(info) => {
            let (of, property) = match info.path.strip_prefix("account.") {
                Some(name) if kind == EntityKind::Users => (EntityKind::Accounts, name),
                _ => (kind, info.path.as_str()),
            };
            workspace
                .frequent_values(of, property.trim_matches('`'), OFFERED_VALUES)
                .into_iter()
                .map(|(scalar, count)| {
                    let text = scalar_literal(&scalar);
                    let item = Item::new(text.clone(), format!("{} {of}", thousands(count as u64)));
                    (text, item)
                })
                .unzip()
        }
    };
    let mut picker = Picker::new(
        format!("{} {} — value", target.name(), operator.word),
        items,
    );
    for c in typed.chars() {
        picker.handle(
            Some(KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            )),
            None,
            0,
        );
    }
    Step::Value {
        target,
        operator,
        values,
        picker,
        moved: false,
    }
}

/// The condition texts a value may mean, most literal first: as typed,
/// then with text values quoted (`enterprise` means `"enterprise"`).
fn condition_texts(target: &Target, operator: &Operator, value: &str) -> Vec<String> {
    let word = &operator.word;
    match target {
        Target::Segments { account } => {
            let prefix = if *account { "account " } else { "" };
            vec![format!("{prefix}{word} segment {}", quoted(value))]
        }
        Target::Property(info) => {
            let path = &info.path;
            if !operator.takes_value() {
                return vec![format!("{path} {word}")];
            }
            if operator.takes_list() {
                let inner = value.trim().trim_start_matches('[').trim_end_matches(']');
                let elements: Vec<&str> = inner.split(',').map(str::trim).collect();
                let as_typed = format!("{path} {word} [{}]", elements.join(", "));
                let quoted_all: Vec<String> =
                    elements.iter().map(|element| quote_bare(element)).collect();
                return vec![
                    as_typed,
                    format!("{path} {word} [{}]", quoted_all.join(", ")),
                ];
            }
            if word.ends_with("between") {
                let quoted_parts: Vec<String> = value
                    .split(" and ")
                    .map(|part| quote_bare(part.trim()))
                    .collect();
                return vec![
                    format!("{path} {word} {value}"),
                    format!("{path} {word} {}", quoted_parts.join(" and ")),
                ];
            }
            vec![
                format!("{path} {word} {value}"),
                format!("{path} {word} {}", quote_bare(value)),
            ]
        }
    }
}

/// A bare word as a string literal; anything already quoted as it is.
fn quote_bare(text: &str) -> String {
    if text.starts_with('"') || text.starts_with('\'') {
        text.to_string()
    } else {
        quoted(text)
    }
}
