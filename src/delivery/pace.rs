//! Telegram's limits as governor quotas, on tokio's clock (so a paused test clock paces too).
//!
//! What Telegram publishes, and what we keep to:
//! - one chat: "about one message a second, short bursts allowed". We send one a second with
//!   bursts of two, so a member's second quick tap is not held back (measured: p99 from a tap to
//!   its new screen 490 ms without the burst, for members tapping 0.5-1.5 s after each screen).
//!   A chat's cell is taken when its next message is chosen, which may then wait a little for
//!   the overall budget, so one more send can come close behind: our worst case is three in a
//!   moment, within the short bursts Telegram allows (the fake's bucket holds three).
//! - one group: 20 messages a minute. We send 18 a minute (one every 3⅓ s), for the same reason:
//!   even with that closeness, no 60-second window holds more than 20.
//! - the whole bot: 30 messages a second. Checked at the moment a request leaves, on a grid of
//!   slots 34 ms apart (29.4 a second): the 2% margin absorbs requests that reach Telegram a
//!   little out of step with how they left, and keeps the n-th of a crowd's first screens within
//!   n/30 s + 1 s. This one is not governor's: its GCRA without a burst restarts the schedule
//!   from the moment a cell is taken, so every timer that fires a millisecond late is lost for
//!   good (measured: 28.7 a second instead of 29.4 in the herd benchmark, the 1,000th first
//!   screen 1.6 s late), and a burst of two lets 31 into a second. The grid keeps its slots when
//!   a send is a little late, so at most 30 leave in any second and none is lost.
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

/// New messages leave on a grid of slots `period` apart. One that leaves a little late (within
/// `slack`) keeps the grid, so lateness does not add up; after a pause the grid starts anew.
/// In any second at most ⌈(1 s + slack) / period⌉ leave.
#[derive(Debug)]
struct Grid {
    period: Duration,
    slack: Duration,
    next: Option<Instant>,
}

impl Grid {
    fn take(&mut self, now: Instant) -> Result<(), Instant> {
        self.next = match self.next {
            Some(slot) if now < slot => return Err(slot),
            Some(slot) if now - slot <= self.slack => Some(slot + self.period),
            _ => Some(now + self.period),
        };
        Ok(())
    }
}

/// The quotas, and the grid all new messages share. Used under delivery's own lock.
pub struct Pace {
    clock: TokioClock,
    private: Quota,
    group: Quota,
    overall: Grid,
}

fn quota(period: Duration, burst: NonZeroU32) -> Quota {
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

const TWO: NonZeroU32 = NonZeroU32::MIN.saturating_add(1);

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
            private: quota(per(Duration::from_secs(1), pacing.per_chat_per_sec), TWO),
            // 90% of the group limit, no burst: see the module's note.
            group: quota(
                per(minute, pacing.per_group_per_min.saturating_mul(9) / 10),
                NonZeroU32::MIN,
            ),
            // 98% of the overall limit.
            overall: Grid {
                period: per(Duration::from_secs(1), pacing.overall_per_sec) * 51 / 50,
                slack: Duration::from_millis(5),
                next: None,
            },
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

    /// Takes a slot of the overall budget for one new message, or says when one will be free.
    pub fn take_overall(&mut self) -> Result<(), Instant> {
        self.overall.take(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_a_second_per_chat_and_thirty_a_second_overall() {
        let mut pace = Pace::new(Pacing::default());
        let chat = pace.chat_limiter(7);
        assert!(pace.take(&chat).is_ok());
        assert!(pace.take(&chat).is_ok(), "a burst of two");
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

    #[tokio::test(start_paused = true)]
    async fn late_sends_keep_the_grid_and_no_second_holds_more_than_thirty() {
        let mut pace = Pace::new(Pacing::default());
        let start = Instant::now();
        let mut sent = Vec::new();
        while Instant::now() - start < Duration::from_secs(30) {
            match pace.take_overall() {
                Ok(()) => sent.push(Instant::now()),
                // Every timer fires up to 3 ms late, as a loaded machine's do.
                Err(at) => {
                    let late = Duration::from_millis(sent.len() as u64 % 4);
                    tokio::time::sleep_until(at + late).await
                }
            }
        }
        assert!(
            sent.len() >= 880,
            "lateness was lost: {} in 30 s",
            sent.len()
        );
        for (i, t) in sent.iter().enumerate() {
            let in_a_second = sent[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_secs(1))
                .count();
            assert!(in_a_second <= 30, "{in_a_second} within a second");
        }
        // After a pause the grid starts anew, with no catching up.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(pace.take_overall().is_ok());
        assert!(pace.take_overall().is_err());
    }
}
