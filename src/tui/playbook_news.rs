//! What playbooks did in a change, as messages for the log: which fired
//! and for whom, what their `log` actions wrote and the errors they met
//! (chains stopped, actions not done), and how many webhooks wait for the
//! delivery worker. Reading the news is the workspace's; sending is
//! `deliveries`'.

use super::messages::Message;
use crate::model::playbook_run::{Activity, ActivityLevel};
use crate::workspace::PlaybookNews;

/// Kinds of activity line said one by one after a change.
const MOST_LINES: usize = 8;

pub fn news_messages(news: &PlaybookNews) -> Vec<Message> {
    let mut messages = Vec::new();
    for fired in &news.fired {
        let more = match fired.count {
            1 => String::new(),
            count => format!(" and {} more", count - 1),
        };
        messages.push(Message::info(format!(
            "playbook \"{}\" fired for {} {}{more}",
            fired.playbook,
            fired.kind.singular(),
            fired.first
        )));
    }
    // The same line for many entities is said once, with how many more;
    // past a few kinds of line, the rest is counted (the log keeps all).
    let mut groups: Vec<(&Activity, usize)> = Vec::new();
    for activity in &news.activity {
        let same = groups.iter_mut().find(|(first, _)| {
            first.level == activity.level
                && first.playbook == activity.playbook
                && first.message == activity.message
        });
        match same {
            Some((_, more)) => *more += 1,
            None => groups.push((activity, 0)),
        }
    }
    let shown = groups.len().min(MOST_LINES);
    for (activity, more) in &groups[..shown] {
        let mut line = activity.line();
        if *more > 0 {
            line.push_str(&format!(" and {more} more"));
        }
        messages.push(match activity.level {
            ActivityLevel::Info => Message::info(line),
            ActivityLevel::Error => Message::error(line),
        });
    }
    let rest: usize = groups[shown..].iter().map(|(_, more)| more + 1).sum();
    if rest > 0 {
        messages.push(Message::info(format!(
            "and {rest} more activity lines: `segscope playbooks --log` lists them all"
        )));
    }
    if news.webhooks_queued > 0 {
        let webhooks = if news.webhooks_queued == 1 {
            "1 webhook".to_string()
        } else {
            format!("{} webhooks", news.webhooks_queued)
        };
        messages.push(Message::info(format!(
            "{webhooks} queued: delivering in the background (the Playbooks screen shows each result)"
        )));
    }
    messages
}
