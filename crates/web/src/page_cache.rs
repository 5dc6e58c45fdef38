//! Dashboard pages computed in the last few seconds, served again to whoever asks for the same
//! page with the same access.
//!
//! A dashboard at ten million calls takes 50–350 ms to compute and is opened far more often than
//! the data changes. Any signed-in request through this server that may write (every method but
//! GET and HEAD, unless refused) makes every cached page stale when it ends, so a person never
//! sees a page older than their own change. Writes from outside the process — `salescope import`
//! beside a running server, or another server on the same PostgreSQL database — show within
//! [`FRESH_FOR`].

use crate::templates::Page;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// How long a computed page is served again when nothing was written through this server.
pub const FRESH_FOR: Duration = Duration::from_secs(5);

/// Most pages kept; past it, the stale ones go, then all.
const MOST_PAGES: usize = 256;

/// Longest key cached: what a page is asked with comes from the URL; a key longer than any real
/// scope and period is computed without being kept.
const LONGEST_KEY: usize = 512;

#[derive(Default)]
pub(crate) struct PageCache {
    /// Requests that may have written, counted when they end.
    writes: AtomicU64,
    pages: Mutex<HashMap<String, Arc<Slot>>>,
}

/// One page: being computed, or computed. Requests that find it being computed wait for that
/// computation rather than starting their own, so a page going stale under load is computed
/// once, not once per waiting request.
struct Slot {
    started: Instant,
    /// `writes` when the computation began.
    writes: u64,
    page: OnceCell<Page>,
}

impl Slot {
    fn serves(&self, writes: u64) -> bool {
        self.writes == writes && self.started.elapsed() < FRESH_FOR
    }
}

impl PageCache {
    /// The page under `key` if it is fresh, or the one `compute` makes (kept when it succeeds).
    pub(crate) async fn get_or_compute<E>(&self, key: String, compute: impl Future<Output = Result<Page, E>>) -> Result<Page, E> {
        if key.len() > LONGEST_KEY {
            return compute.await;
        }
        let writes = self.writes.load(Ordering::Acquire);
        let slot = {
            let mut pages = self.lock();
            match pages.get(&key) {
                Some(slot) if slot.serves(writes) => Arc::clone(slot),
                _ => {
                    if pages.len() >= MOST_PAGES {
                        pages.retain(|_, slot| slot.serves(writes));
                        if pages.len() >= MOST_PAGES {
                            pages.clear();
                        }
                    }
                    let slot = Arc::new(Slot { started: Instant::now(), writes, page: OnceCell::new() });
                    pages.insert(key.clone(), Arc::clone(&slot));
                    slot
                }
            }
        };
        let page = slot.page.get_or_try_init(|| compute).await.cloned();
        if page.is_err() {
            // Not kept: the next request computes again.
            let mut pages = self.lock();
            if pages.get(&key).is_some_and(|kept| Arc::ptr_eq(kept, &slot)) {
                pages.remove(&key);
            }
        }
        page
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Slot>>> {
        self.pages.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn note_write(&self) {
        self.writes.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(title: &str) -> Page {
        Page { template: "dashboard.html", title: title.to_string(), data: serde_json::Value::Null }
    }

    async fn title(cache: &PageCache, key: &str, computed: &str) -> String {
        let result: Result<Page, ()> = cache.get_or_compute(key.to_string(), async { Ok(page(computed)) }).await;
        result.map(|p| p.title).unwrap_or_default()
    }

    #[tokio::test]
    async fn a_page_is_served_again_until_a_write_ends() {
        let cache = PageCache::default();
        assert_eq!(title(&cache, "org", "first").await, "first");
        assert_eq!(title(&cache, "org", "second").await, "first", "served from the cache");
        assert_eq!(title(&cache, "team", "other").await, "other", "another key computes its own");
        cache.note_write();
        assert_eq!(title(&cache, "org", "third").await, "third", "a write makes it stale");
    }

    #[tokio::test]
    async fn a_page_computed_while_a_write_ran_is_not_served_after_it() {
        let cache = PageCache::default();
        let result: Result<Page, ()> = cache
            .get_or_compute("org".into(), async {
                cache.note_write();
                Ok(page("during"))
            })
            .await;
        assert_eq!(result.map(|p| p.title).unwrap_or_default(), "during");
        assert_eq!(title(&cache, "org", "after").await, "after");
    }

    #[tokio::test]
    async fn requests_arriving_while_a_page_is_computed_wait_for_it() {
        let cache = PageCache::default();
        let computations = AtomicU64::new(0);
        let compute = || async {
            computations.fetch_add(1, Ordering::Relaxed);
            tokio::task::yield_now().await;
            Ok::<_, ()>(page("once"))
        };
        let (a, b) = tokio::join!(cache.get_or_compute("org".into(), compute()), cache.get_or_compute("org".into(), compute()));
        assert_eq!((a.map(|p| p.title), b.map(|p| p.title)), (Ok("once".to_string()), Ok("once".to_string())));
        assert_eq!(computations.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn an_overlong_key_is_computed_every_time() {
        let cache = PageCache::default();
        let key = "x".repeat(LONGEST_KEY + 1);
        assert_eq!(title(&cache, &key, "first").await, "first");
        assert_eq!(title(&cache, &key, "second").await, "second");
    }

    #[tokio::test]
    async fn failures_are_not_kept() {
        let cache = PageCache::default();
        let failed: Result<Page, &str> = cache.get_or_compute("org".into(), async { Err("no") }).await;
        assert!(failed.is_err());
        assert_eq!(title(&cache, "org", "computed").await, "computed");
    }
}
