//! What every handler is given: the store, the clock, and what the server keeps besides the
//! store.

use crate::login_throttle::LoginThrottle;
use crate::page_cache::PageCache;
use crate::templates::templates;
use crate::uploads::Uploads;
use salescope_app::clock::Clock;
use salescope_store::Db;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// What day it is: the system clock, or the day `--today` fixes.
    pub clock: Clock,
    pub(crate) shared: Arc<Shared>,
}

/// What the server keeps besides the store: failed-login counts, uploads waiting for their
/// import, the page templates and the dashboards computed in the last seconds.
pub(crate) struct Shared {
    pub throttle: LoginThrottle,
    pub uploads: Uploads,
    pub templates: minijinja::Environment<'static>,
    pub pages: PageCache,
}

impl AppState {
    pub fn new(db: Db, clock: Clock) -> AppState {
        AppState {
            db,
            clock,
            shared: Arc::new(Shared {
                throttle: LoginThrottle::default(),
                uploads: Uploads::default(),
                templates: templates(),
                pages: PageCache::default(),
            }),
        }
    }
}
