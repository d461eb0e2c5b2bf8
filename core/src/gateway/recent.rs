//! Filtered feeds an edge's process stored lately, held in its own memory in
//! front of the shared cache. Why: a hit in the worker's Cache API is a
//! lookup outside the isolate (in Miniflare a service of its own: 20 hits/s
//! for the 672 KB fixture against 36 from memory, `tests/edge/cache-bench.mjs`),
//! while one isolate serves many polls of the same few feeds. The edge holds
//! only what it has just put into its cache, as it stored it (gzipped: the
//! filtered fixture is 65 KB), for the lifetime the gateway gave it.
//! Bounded: at most 16 feeds (`MAX_FEEDS`) and 8 MiB (`MAX_BYTES`, of a
//! Worker isolate's 128 MB), the oldest dropped first; a feed larger
//! than the byte bound is not held. Pure: the edge passes the clock.

use std::collections::VecDeque;

/// One held feed: its bytes and headers, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldFeed {
    /// The cache key it was stored under.
    pub key: String,
    /// Its bytes, as stored.
    pub body: Vec<u8>,
    /// Its headers, as stored.
    pub headers: Vec<(String, String)>,
    expires_ms: u64,
}

/// The feeds held, oldest first.
#[derive(Debug, Default)]
pub struct RecentFeeds {
    feeds: VecDeque<HeldFeed>,
    bytes: usize,
}

/// Most feeds held.
const MAX_FEEDS: usize = 16;
/// Most bytes held.
const MAX_BYTES: usize = 8 * 1024 * 1024;

impl RecentFeeds {
    /// The feed held under `key` and still fresh at `now_ms` (milliseconds
    /// since the epoch); an expired one is dropped.
    pub fn get(&mut self, key: &str, now_ms: u64) -> Option<&HeldFeed> {
        let i = self.feeds.iter().position(|f| f.key == key)?;
        if now_ms >= self.feeds[i].expires_ms {
            self.remove(i);
            return None;
        }
        self.feeds.get(i)
    }

    /// Hold `body` with its `headers` under `key` for `ttl` seconds from
    /// `now_ms`, in place of what was held under `key`.
    pub fn hold(
        &mut self,
        key: &str,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
        ttl: u32,
        now_ms: u64,
    ) {
        if let Some(i) = self.feeds.iter().position(|f| f.key == key) {
            self.remove(i);
        }
        if ttl == 0 || body.len() > MAX_BYTES {
            return;
        }
        while self.feeds.len() >= MAX_FEEDS || self.bytes + body.len() > MAX_BYTES {
            self.remove(0);
        }
        self.bytes += body.len();
        let expires_ms = now_ms.saturating_add(u64::from(ttl) * 1000);
        self.feeds.push_back(HeldFeed {
            key: key.to_owned(),
            body,
            headers,
            expires_ms,
        });
    }

    fn remove(&mut self, i: usize) {
        if let Some(f) = self.feeds.remove(i) {
            self.bytes -= f.body.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_is_held_for_its_lifetime_only() {
        let mut r = RecentFeeds::default();
        r.hold(
            "a",
            vec![1, 2],
            vec![("etag".into(), "\"x\"".into())],
            60,
            1_000,
        );
        let f = r.get("a", 60_999).expect("fresh");
        assert_eq!(
            (f.body.as_slice(), f.headers[0].1.as_str()),
            (&[1, 2][..], "\"x\"")
        );
        assert!(r.get("a", 61_000).is_none(), "expired");
        assert!(r.get("a", 1_000).is_none(), "dropped once expired");
        r.hold("b", vec![1], vec![], 0, 0);
        assert!(r.get("b", 0).is_none(), "ttl 0: not held");
    }

    #[test]
    fn bounded_by_count_and_bytes_oldest_first() {
        let mut r = RecentFeeds::default();
        for i in 0..=MAX_FEEDS {
            r.hold(&i.to_string(), vec![0], vec![], 60, 0);
        }
        assert!(r.get("0", 0).is_none(), "the oldest went first");
        assert!(r.get("1", 0).is_some() && r.get(&MAX_FEEDS.to_string(), 0).is_some());
        let half = MAX_BYTES / 2 + 1;
        r.hold("big1", vec![0; half], vec![], 60, 0);
        r.hold("big2", vec![0; half], vec![], 60, 0);
        assert!(r.get("big1", 0).is_none() && r.get("big2", 0).is_some());
        assert!(r.bytes <= MAX_BYTES);
        r.hold("big2", vec![0; MAX_BYTES + 1], vec![], 60, 0);
        assert!(
            r.get("big2", 0).is_none(),
            "too large: not held, and the old copy is gone"
        );
        r.hold("c", vec![0; 3], vec![], 60, 0);
        r.hold("c", vec![0; 5], vec![], 60, 0);
        assert_eq!(r.get("c", 0).map(|f| f.body.len()), Some(5), "replaced");
    }
}
