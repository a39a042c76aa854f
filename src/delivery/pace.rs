//! Telegram's limits as governor quotas, on tokio's clock (so a paused test clock paces too).
//!
//! What Telegram publishes, and what we keep to:
//! - one chat: "about one message a second, short bursts allowed". We send one a second, no
//!   burst of our own: a chat's cell is taken when its next message is chosen, which may wait
//!   a little for the overall budget, so two sends can leave closer than a second apart. That
//!   makes our worst case two in a moment, inside Telegram's burst.
//! - one group: 20 messages a minute. We send 18 a minute (one every 3⅓ s), for the same reason:
//!   even with that closeness, no 60-second window holds more than 20.
//! - the whole bot: 30 messages a second. Checked at the moment a request leaves, one every
//!   34 ms (29.4 a second): the 2% margin absorbs requests that reach Telegram a little out of
//!   step with how they left, and keeps the n-th of a crowd's first screens within n/30 s + 1 s.
//! - edits: Telegram documents no number. They are paced per chat exactly like messages (one
//!   a second, 18 a minute in a group), since an edit is what a member sees change and bursts of
//!   edits to one chat draw 429s in practice; they do not count against the 30 a second, which
//!   Telegram states for messages sent to many users. So a crowd tapping through its screens is
//!   never held behind the first screens of newcomers.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::time::Instant;

use crate::config::Pacing;

/// governor's time source: how long since `base`, read from tokio's clock.
#[derive(Clone, Copy, Debug)]
pub struct TokioClock {
    base: Instant,
}

impl Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.base)
    }
}

pub type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>;

/// The quotas, and the one limiter all new messages share.
pub struct Pace {
    clock: TokioClock,
    private: Quota,
    group: Quota,
    overall: Limiter,
}

fn quota(period: Duration) -> Quota {
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::MIN)
}

fn per(unit: Duration, count: u32) -> Duration {
    unit / count.max(1)
}

impl Pace {
    pub fn new(pacing: Pacing) -> Pace {
        let clock = TokioClock {
            base: Instant::now(),
        };
        let minute = Duration::from_secs(60);
        Pace {
            clock,
            private: quota(per(Duration::from_secs(1), pacing.per_chat_per_sec)),
            // 90% of the group limit: see the module's note.
            group: quota(per(minute, pacing.per_group_per_min.saturating_mul(9) / 10)),
            // 98% of the overall limit.
            overall: RateLimiter::direct_with_clock(
                quota(per(Duration::from_secs(1), pacing.overall_per_sec) * 51 / 50),
                clock,
            ),
        }
    }

    /// A fresh limiter for one chat (groups have negative ids in Telegram).
    pub fn chat_limiter(&self, chat: i64) -> Limiter {
        let quota = if chat < 0 { self.group } else { self.private };
        RateLimiter::direct_with_clock(quota, self.clock)
    }

    /// Takes a cell of `limiter`, or says when one will be free.
    pub fn take(&self, limiter: &Limiter) -> Result<(), Instant> {
        limiter
            .check()
            .map_err(|not_until| self.clock.base + not_until.earliest_possible())
    }

    /// Takes a cell of the overall budget for one new message, or says when one will be free.
    pub fn take_overall(&self) -> Result<(), Instant> {
        self.take(&self.overall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_a_second_per_chat_and_thirty_a_second_overall() {
        let pace = Pace::new(Pacing::default());
        let chat = pace.chat_limiter(7);
        assert!(pace.take(&chat).is_ok());
        let free_at = pace.take(&chat).unwrap_err();
        assert_eq!(free_at - Instant::now(), Duration::from_secs(1));
        let group = pace.chat_limiter(-7);
        assert!(pace.take(&group).is_ok());
        let free_at = pace.take(&group).unwrap_err();
        assert!(free_at - Instant::now() > Duration::from_secs(3));

        // Over ten seconds, at most 30 a second leave, and close to that many.
        let mut sent = 0;
        let start = Instant::now();
        while Instant::now() - start < Duration::from_secs(10) {
            match pace.take_overall() {
                Ok(()) => sent += 1,
                Err(at) => tokio::time::sleep_until(at).await,
            }
        }
        assert!((290..=300).contains(&sent), "{sent} in 10 s");
    }
}
