//! The assignment rule on ingest: when the organisation turns it on
//! (`leads.assign_on_ingest = on`), every lead that arrives with a segment and no rep goes to the
//! best-ranked rep for its segment and source (`pipeline::lead_assignment`) who still has
//! capacity — each lead handed out in the same run counting as one more open deal, so a batch is
//! spread instead of piled on the top rep. A lead nobody has capacity for stays unassigned.

use crate::pipeline::{Deals, LeadAssignment, lead_assignment};
use crate::{Context, Result};
use salescope_core::i18n::Lang;
use salescope_core::time::Day;
use salescope_store::{Db, WriteContext};
use std::collections::HashMap;

/// A lead the rule gave to a rep, with the ranking's reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AssignedLead {
    pub lead_id: String,
    pub rep_id: String,
    pub rep_name: String,
    pub reason: String,
}

/// Hands out the unowned leads as of `today`; returns who got which.
pub async fn assign_unowned_leads(db: &Db, today: Day, lang: Lang) -> Result<Vec<AssignedLead>> {
    let leads = db.unowned_leads().await?;
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    let ctx = Context::load(db).await?;
    let deals = Deals::load(db, None).await?;
    let mut rankings: HashMap<(String, Option<String>), LeadAssignment> = HashMap::new();
    let mut handed_out: HashMap<String, usize> = HashMap::new();
    let (mut assigned, mut records) = (Vec::new(), Vec::new());
    for mut lead in leads {
        let Some(segment) = lead.segment.clone() else { continue };
        let ranking = rankings
            .entry((segment.clone(), lead.source.clone()))
            .or_insert_with(|| lead_assignment(&deals, &ctx, &segment, lead.source.as_deref(), today, lang));
        let taker = ranking.candidates.iter().find(|c| {
            let extra = handed_out.get(&c.rep_id).copied().unwrap_or(0);
            if c.usual_load == 0.0 { c.open_deals + extra == 0 } else { ((c.open_deals + extra) as f64) < c.usual_load }
        });
        let Some(taker) = taker else { continue };
        *handed_out.entry(taker.rep_id.clone()).or_default() += 1;
        assigned.push(AssignedLead {
            lead_id: lead.lead_id.clone(),
            rep_id: taker.rep_id.clone(),
            rep_name: taker.name.clone(),
            reason: taker.reason.clone(),
        });
        lead.rep_id = Some(taker.rep_id.clone());
        records.push(lead);
    }
    if !records.is_empty() {
        db.write(records, &WriteContext { today, counted: false }).await?;
    }
    Ok(assigned)
}
