//! How many replies the bot allows itself in one group. Telegram lets a bot send about 20
//! messages a minute to a group; delivery paces sends under that, but would keep a busy group's
//! replies waiting (up to its cap) if the group kept typing `/start`. Past the budget the bot
//! stays quiet instead: the group already has a recent answer with the button to the private
//! chat.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Half of Telegram's limit, so that pacing never has a queue to work through.
pub const GROUP_REPLIES_PER_MINUTE: usize = 10;
const MINUTE: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct GroupBudget {
    recent: Mutex<HashMap<i64, VecDeque<Instant>>>,
}

impl GroupBudget {
    /// Spends one reply in `chat` at `now` if the last minute leaves room for it.
    pub fn allow(&self, chat: i64, now: Instant) -> bool {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        // Forget groups that have been quiet for a minute, so the map stays small.
        recent.retain(|_, sent| {
            while sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= MINUTE)
            {
                sent.pop_front();
            }
            !sent.is_empty()
        });
        let sent = recent.entry(chat).or_default();
        if sent.len() >= GROUP_REPLIES_PER_MINUTE {
            return false;
        }
        sent.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_a_minute_per_group_then_room_again() {
        let budget = GroupBudget::default();
        let t0 = Instant::now();
        let spent = (0..25)
            .filter(|i| budget.allow(-100, t0 + Duration::from_secs(*i)))
            .count();
        assert_eq!(spent, GROUP_REPLIES_PER_MINUTE);
        assert!(
            budget.allow(-200, t0 + Duration::from_secs(30)),
            "another group"
        );
        assert!(!budget.allow(-100, t0 + Duration::from_secs(59)));
        assert!(
            budget.allow(-100, t0 + Duration::from_secs(61)),
            "a minute later"
        );
    }
}
