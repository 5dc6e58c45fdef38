//! Deals with their stage history, as the process analytics read them.

use crate::{Db, Result};
use salescope_core::pipeline::{DealPath, Ending};
use salescope_core::records::{Deal, DealStage, DealStatus};
use std::collections::HashMap;

impl Db {
    /// Every deal with the stages it entered, in time order. Deals and stage changes are far
    /// fewer than calls; they are read whole.
    pub async fn deal_paths(&self) -> Result<Vec<DealPath>> {
        let deals: Vec<Deal> = self.all_records().await?;
        let changes: Vec<DealStage> = self.all_records().await?;
        let mut stages: HashMap<String, Vec<(String, salescope_core::time::LocalDateTime)>> = HashMap::new();
        for change in changes {
            stages.entry(change.deal_id).or_default().push((change.stage, change.entered_at));
        }
        Ok(deals
            .into_iter()
            .map(|deal| {
                let mut path = stages.remove(&deal.deal_id).unwrap_or_default();
                path.sort_by_key(|(_, at)| *at);
                let ending = match deal.status {
                    DealStatus::Won => Some(Ending::Won),
                    DealStatus::Lost => Some(Ending::Lost),
                    DealStatus::Open => None,
                };
                DealPath {
                    deal_id: deal.deal_id,
                    rep_id: deal.rep_id,
                    amount: deal.amount,
                    created_at: deal.created_at,
                    closed: deal.closed_at.zip(ending),
                    stages: path,
                }
            })
            .collect())
    }
}
