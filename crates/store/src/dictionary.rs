//! The customer-key dictionary: customer id → small integer key, for the customer sets.
//!
//! Keys only grow, so a process keeps the committed part of the table in memory and brings it up
//! to date by reading the keys above the greatest it knows — inside the ingest lock, so no other
//! writer can add keys meanwhile. Keys a transaction creates join the shared dictionary only when
//! it commits.

use crate::bulk::Param;
use crate::sql::value_tuples;
use crate::{Result, Tx, on_conn};
use salescope_core::fxhash::FxHashMap;
use std::sync::Arc;

#[derive(Debug, Default)]
pub(crate) struct Dictionary {
    keys: FxHashMap<Box<str>, u32>,
    greatest: Option<u32>,
}

pub(crate) type SharedDictionary = Arc<tokio::sync::Mutex<Dictionary>>;

/// Adds the keys of a committed transaction.
pub(crate) async fn remember(shared: &SharedDictionary, created: Vec<(Box<str>, u32)>) {
    if created.is_empty() {
        return;
    }
    let mut dictionary = shared.lock().await;
    for (customer, key) in created {
        dictionary.greatest = dictionary.greatest.max(Some(key));
        dictionary.keys.insert(customer, key);
    }
}

impl Tx {
    /// The key of each customer id, in the order given, creating keys for ids not seen before.
    pub(crate) async fn customer_keys(&mut self, customers: &[Box<str>]) -> Result<Vec<u32>> {
        self.lock_for_ingest().await?;
        let shared = Arc::clone(&self.customers);
        let mut dictionary = shared.lock().await;
        let stored: Option<i64> = on_conn!(self, conn => sqlx::query_scalar("SELECT MAX(key) FROM customer_keys").fetch_one(conn).await?);
        let stored = stored.map(|k| k as u32);
        if self.new_customers.is_empty() && stored < dictionary.greatest {
            // The table lost keys (a backup was restored under us): start again.
            *dictionary = Dictionary::default();
        }
        if stored > dictionary.greatest {
            // Keys other writers committed since we last looked (and this transaction's own).
            let (text, above) = match dictionary.greatest {
                None => ("SELECT customer_id, key FROM customer_keys WHERE key >= 0".to_string(), 0),
                Some(g) => (
                    format!(
                        "SELECT customer_id, key FROM customer_keys WHERE key > {}",
                        crate::sql::value_tuples(self.backend(), 1, 1).trim_matches(['(', ')'])
                    ),
                    g as i64,
                ),
            };
            let rows: Vec<(String, i64)> = on_conn!(self, conn => {
                let query = sqlx::query_as(&text);
                let query = if dictionary.greatest.is_some() { query.bind(above) } else { query };
                query.fetch_all(conn).await?
            });
            let ours: salescope_core::fxhash::FxHashSet<u32> = self.new_customers.iter().map(|(_, k)| *k).collect();
            for (customer, key) in rows.into_iter().filter(|(_, k)| !ours.contains(&(*k as u32))) {
                dictionary.greatest = dictionary.greatest.max(Some(key as u32));
                dictionary.keys.insert(customer.into_boxed_str(), key as u32);
            }
        }
        let pending: FxHashMap<&str, u32> = self.new_customers.iter().map(|(c, k)| (&**c, *k)).collect();
        let mut keys: Vec<u32> = Vec::with_capacity(customers.len());
        let mut unknown: Vec<usize> = Vec::new();
        for (i, customer) in customers.iter().enumerate() {
            match dictionary.keys.get(customer).copied().or_else(|| pending.get(&**customer).copied()) {
                Some(key) => keys.push(key),
                None => {
                    keys.push(u32::MAX);
                    unknown.push(i);
                }
            }
        }
        // New keys follow the order of the ids, so both of the table's B-trees (by id and by key)
        // grow at their ends: an import of fresh customers appends instead of inserting at random.
        unknown.sort_unstable_by(|a, b| customers[*a].cmp(&customers[*b]));
        let mut next = stored.map_or(0, |s| s + 1);
        let mut created: Vec<(Box<str>, u32)> = Vec::with_capacity(unknown.len());
        for i in unknown {
            if created.last().is_none_or(|(last, _)| *last != customers[i]) {
                created.push((customers[i].clone(), next));
                next += 1;
            }
            keys[i] = next - 1;
        }
        drop(pending);
        drop(dictionary);
        let backend = self.backend();
        let params: Vec<Param<'_>> =
            created.iter().flat_map(|(customer, key)| [Param::Text(customer), Param::Int(i64::from(*key))]).collect();
        let insert = |n: usize| format!("INSERT INTO customer_keys (customer_id, key) VALUES {}", value_tuples(backend, n, 2));
        self.execute_rows(insert, 2, &params).await?;
        self.new_customers.extend(created);
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{TestDb, each_backend};

    fn ids(names: &[&str]) -> Vec<Box<str>> {
        names.iter().map(|n| Box::from(*n)).collect()
    }

    #[tokio::test]
    async fn new_customer_keys_are_numbered_in_id_order_and_known_ids_keep_theirs() {
        each_backend(async |store: &TestDb| {
            let mut tx = store.db.begin().await.expect("transaction");
            assert_eq!(tx.customer_keys(&ids(&["K3", "K1", "K2"])).await.expect("keys"), [2, 0, 1]);
            tx.commit().await.expect("commit");

            let mut tx = store.db.begin().await.expect("transaction");
            assert_eq!(tx.customer_keys(&ids(&["K9", "K2", "K0", "K9"])).await.expect("keys"), [4, 1, 3, 4]);
            // Within a transaction, the keys it made are known too.
            assert_eq!(tx.customer_keys(&ids(&["K0", "K5"])).await.expect("keys"), [3, 5]);
            tx.commit().await.expect("commit");
        })
        .await;
    }
}
