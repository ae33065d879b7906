//! What playbooks did in a change, as messages for the log: which fired
//! and for whom, what their `log` actions wrote and the errors they met
//! (chains stopped, actions not done), and how many webhooks wait for the
//! delivery worker. Reading the news is the workspace's; sending is
//! `deliveries`'.

use super::messages::Message;
use crate::model::playbook_run::ActivityLevel;
use crate::workspace::PlaybookNews;

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
    for activity in &news.activity {
        let line = activity.line();
        messages.push(match activity.level {
            ActivityLevel::Info => Message::info(line),
            ActivityLevel::Error => Message::error(line),
        });
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
