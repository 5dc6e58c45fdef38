//! Importing transcripts into a real store, on SQLite and PostgreSQL: every good transcript of a
//! known call is kept with its metrics, every bad one reported by file and line, re-imports change
//! nothing, and a new version replaces the old.

use salescope_core::access::WriteScope;
use salescope_core::i18n::Lang;
use salescope_core::schema::Kind;
use salescope_core::time::{Day, LocalDateTime};
use salescope_import::transcripts::{import_transcripts, transcript_files};
use salescope_import::{Encoding, ImportOptions, NoProgress, Source, import};
use salescope_store::Db;
use salescope_store::testing::{TestDb, each_backend, temp_dir};
use std::io::Cursor;
use std::sync::Arc;

fn now() -> LocalDateTime {
    LocalDateTime::from_parts(Day::from_ymd(2024, 7, 31).expect("date"), 18, 0, 0)
}

async fn load(db: &Db, kind: Kind, csv: &str) {
    let source = Source::csv(Box::new(Cursor::new(csv.as_bytes().to_vec())), csv.len() as u64, Encoding::Auto).expect("source");
    let report = import(db, kind, source, &ImportOptions::new(kind, "test", now()), Arc::new(NoProgress)).await.expect("import");
    assert_eq!(report.rejected, 0, "{}", report.render_text());
}

async fn with_calls(db: &Db) {
    load(db, Kind::Reps, "rep_id,name,team\nR001,张三,销售一部\n").await;
    load(
        db,
        Kind::Calls,
        "call_id,rep_id,customer_id,direction,started_at,talk_seconds,outcome\n\
         C1,R001,K1,outbound,2024-07-08 10:00:00,30,connected\n\
         C2,R001,K2,outbound,2024-07-08 11:00:00,30,connected\n\
         C3,R001,K3,outbound,2024-07-09 11:00:00,30,connected\n",
    )
    .await;
}

fn files() -> Vec<(String, Vec<u8>)> {
    vec![
        ("calls/C1.txt".into(), "[00:00] 坐席：您好？\n[00:10] 客户：你好。\n".as_bytes().to_vec()),
        ("calls/more.jsonl".into(), "{\"call_id\":\"C2\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"在吗?\"}]}\n{oops\n{\"call_id\":\"C404\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"hi\"}]}\n".as_bytes().to_vec()),
        ("calls/C3.vtt".into(), "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Robot>beep\n".as_bytes().to_vec()),
    ]
}

#[tokio::test]
async fn good_transcripts_are_stored_and_bad_ones_reported_by_file_and_line() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_calls(db).await;
        let report = import_transcripts(db, "calls", files(), 0, now(), &WriteScope::Everything, Lang::En).await.expect("import");
        assert_eq!((report.files, report.transcripts_read, report.inserted, report.rejected), (3, 2, 2, 3), "{}", report.render_text());
        let issues: Vec<(&str, Option<u64>, &str)> = report.errors.iter().map(|e| (e.file.as_str(), e.line, e.rule.as_str())).collect();
        assert_eq!(
            issues,
            [
                ("calls/more.jsonl", Some(2), "bad_json"),
                ("calls/C3.vtt", Some(4), "unknown_speaker"),
                ("calls/more.jsonl", Some(3), "unknown_call")
            ]
        );
        let c1 = db.transcript("C1").await.expect("read").expect("stored");
        assert_eq!((c1.basis.as_str(), c1.talk_ratio, c1.questions), ("time", Some(1.0), 1), "the customer's last turn has no length");
        let c2 = db.transcript("C2").await.expect("read").expect("stored");
        assert_eq!((c2.basis.as_str(), c2.source.as_str()), ("characters", "calls/more.jsonl:1"));

        let again = import_transcripts(db, "calls", files(), 0, now(), &WriteScope::Everything, Lang::En).await.expect("import");
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2), "re-importing changes nothing");
        let changed = vec![("C1.txt".to_string(), "坐席：您好\n客户：你好\n坐席：再见\n".as_bytes().to_vec())];
        let replaced = import_transcripts(db, "api", changed, 0, now(), &WriteScope::Everything, Lang::En).await.expect("import");
        assert_eq!((replaced.inserted, replaced.updated), (0, 1));
        let c1 = db.transcript("C1").await.expect("read").expect("stored");
        assert_eq!((c1.basis.as_str(), c1.questions), ("characters", 0));
    })
    .await;
}

#[test]
fn a_folder_is_read_recursively_for_transcript_files_only() {
    let dir = temp_dir("transcript-folder");
    std::fs::create_dir_all(dir.join("2024/07")).expect("folders");
    for name in ["a.txt", "2024/b.jsonl", "2024/07/c.vtt", "2024/07/d.json", "notes.md", "2024/photo.png"] {
        std::fs::write(dir.join(name), "x").expect("write");
    }
    let found: Vec<String> =
        transcript_files(&dir).expect("walk").iter().filter_map(|p| p.strip_prefix(&dir).ok().map(|p| p.display().to_string())).collect();
    assert_eq!(found, ["2024/07/c.vtt", "2024/07/d.json", "2024/b.jsonl", "a.txt"]);
}

#[tokio::test]
async fn phrases_are_found_with_the_organisations_configuration_of_the_time() {
    use salescope_import::transcripts::PHRASE_CONFIG_KEY;
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_calls(db).await;
        let call = || {
            vec![(
                "C1.txt".to_string(),
                "坐席：嗯，我是小李，给您介绍一下星河助手\n客户：太贵了\n坐席：我们有分期方案可以选择\n".as_bytes().to_vec(),
            )]
        };
        import_transcripts(db, "t", call(), 0, now(), &WriteScope::Everything, Lang::En).await.expect("import");
        let c1 = db.transcript("C1").await.expect("read").expect("stored");
        assert_eq!((c1.key_messages.as_str(), c1.objections.as_str()), ("introduction", "price:answered"));
        assert_eq!((c1.filler_words, c1.competitor_mentions), (1, 0));

        db.set_internal(PHRASE_CONFIG_KEY, "competitors = [\"星河助手\"]\n[objections]\nprice = [\"太贵\"]\n").await.expect("config");
        let again = import_transcripts(db, "t", call(), 0, now(), &WriteScope::Everything, Lang::En).await.expect("import");
        assert_eq!(again.updated, 1, "the same words read under a new configuration");
        let c1 = db.transcript("C1").await.expect("read").expect("stored");
        assert_eq!((c1.key_messages.as_str(), c1.filler_words, c1.competitor_mentions), ("", 0, 1));
    })
    .await;
}

#[tokio::test]
async fn a_call_given_twice_in_one_import_keeps_the_later_transcript() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_calls(db).await;
        let files = vec![
            ("a/C1.txt".to_string(), "坐席：您好\n".as_bytes().to_vec()),
            ("b/C1.txt".to_string(), "坐席：您好？\n".as_bytes().to_vec()),
        ];
        let report = import_transcripts(db, "t", files, 0, now(), &WriteScope::Everything, Lang::En).await.expect("import");
        assert_eq!((report.transcripts_read, report.inserted), (2, 1));
        let c1 = db.transcript("C1").await.expect("read").expect("stored");
        assert_eq!((c1.source.as_str(), c1.questions), ("b/C1.txt", 1));
    })
    .await;
}
