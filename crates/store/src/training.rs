//! Reading the training records back, and the saved ROI assumptions of each course.

use crate::sql::{numbered, value_tuples};
use crate::{Db, Result, on_pool};
use salescope_core::training::{ASSESSMENTS, ATTENDANCE, Assessment, Attendance, COURSES, Course, SESSIONS, Session};
use salescope_core::training::{TRAINING_FEEDBACK, TrainingFeedback};

/// Everything recorded about training: small tables, read whole.
#[derive(Debug, Clone, Default)]
pub struct TrainingRecords {
    pub courses: Vec<Course>,
    pub sessions: Vec<Session>,
    pub attendance: Vec<Attendance>,
    pub assessments: Vec<Assessment>,
    pub feedback: Vec<TrainingFeedback>,
}

impl Db {
    pub async fn training_records(&self) -> Result<TrainingRecords> {
        debug_assert_eq!(
            [COURSES.name, SESSIONS.name, ATTENDANCE.name, ASSESSMENTS.name, TRAINING_FEEDBACK.name],
            ["courses", "training_sessions", "training_attendance", "training_assessments", "training_feedback"]
        );
        Ok(TrainingRecords {
            courses: self.all_records().await?,
            sessions: self.all_records().await?,
            attendance: self.all_records().await?,
            assessments: self.all_records().await?,
            feedback: self.all_records().await?,
        })
    }

    /// The ROI assumptions last saved for a course (JSON, as the engine wrote it).
    pub async fn roi_assumptions(&self, course_id: &str) -> Result<Option<String>> {
        let sql = numbered(self.backend(), "SELECT assumptions FROM course_roi_assumptions WHERE course_id = ?");
        Ok(on_pool!(self, pool => sqlx::query_scalar(&sql).bind(course_id).fetch_optional(pool).await?))
    }

    pub async fn save_roi_assumptions(&self, course_id: &str, assumptions: &str) -> Result<()> {
        let sql = format!(
            "INSERT INTO course_roi_assumptions (course_id, assumptions) VALUES {} \
             ON CONFLICT (course_id) DO UPDATE SET assumptions = excluded.assumptions",
            value_tuples(self.backend(), 1, 2)
        );
        on_pool!(self, pool => {
            sqlx::query(&sql).bind(course_id).bind(assumptions).execute(pool).await?;
        });
        Ok(())
    }
}
