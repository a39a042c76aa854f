//! One chat's updates, handled at a steady pace past a burst. A member who forwards a hundred
//! messages at once has them all handled, in order, but spread over a second or so instead of
//! in one burst of work that crowds out everyone else's on a two-core server. The wait is in
//! that chat's own handler, so it delays nobody else; its replies collapse into the latest
//! screen anyway. Nobody typing or tapping comes near the limit.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// Updates of one chat handled at once before the pace applies.
const BURST: u32 = 20;
/// Then this many a second.
const PER_SECOND: u32 = 200;
/// Past this many remembered chats, those whose pace has recovered are forgotten.
const REMEMBERED: usize = 10_000;

pub struct Floods {
    limiter: RateLimiter<i64, DefaultKeyedStateStore<i64>, DefaultClock>,
    clock: DefaultClock,
}

impl Default for Floods {
    fn default() -> Self {
        let quota = Quota::per_second(NonZeroU32::new(PER_SECOND).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(BURST).unwrap_or(NonZeroU32::MIN));
        Floods {
            limiter: RateLimiter::hashmap(quota),
            clock: DefaultClock::default(),
        }
    }
}

impl Floods {
    /// Waits, if `chat` is flooding, until its next update may be handled.
    pub async fn pace(&self, chat: i64) {
        if self.limiter.len() > REMEMBERED {
            self.limiter.retain_recent();
        }
        while let Err(not_until) = self.limiter.check_key(&chat) {
            tokio::time::sleep(not_until.wait_time_from(self.clock.now())).await;
        }
    }

    /// How long `chat` would wait now (for tests).
    pub fn wait_for(&self, chat: i64) -> Duration {
        match self.limiter.check_key(&chat) {
            Ok(()) => Duration::ZERO,
            Err(not_until) => not_until.wait_time_from(self.clock.now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_then_a_flood_is_spread() {
        let floods = Floods::default();
        for _ in 0..BURST {
            assert_eq!(floods.wait_for(1), Duration::ZERO);
        }
        assert!(floods.wait_for(1) > Duration::ZERO, "the 21st waits");
        assert_eq!(floods.wait_for(2), Duration::ZERO, "another chat does not");
    }
}
