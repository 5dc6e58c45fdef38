//! Who may see and do what (SPEC §1): the one place the rules live. The server asks these
//! questions for every request; templates never decide.

use crate::scope::{Scope, TeamTree};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Manager,
    TeamLead,
    Trainer,
    Rep,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Manager, Role::TeamLead, Role::Trainer, Role::Rep];

    pub fn id(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::TeamLead => "team_lead",
            Role::Trainer => "trainer",
            Role::Rep => "rep",
        }
    }

    pub fn from_id(text: &str) -> Option<Role> {
        let text = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL.into_iter().find(|r| r.id() == text)
    }

    /// Roles that act for one rep record and must name it.
    pub fn needs_rep(self) -> bool {
        matches!(self, Role::Rep | Role::TeamLead)
    }
}

/// What is being looked at: a scope's aggregated figures (KPIs, review sheets) or its
/// individual records (calls, daily reports, per-rep lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Aggregates,
    Records,
    /// The training records — courses, sessions, sign-ins, assessments, feedback — and the
    /// effect reports built on them: a trainer's work, without the sales records of each rep.
    Training,
}

/// Things only some roles may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Import files and use the ingestion API.
    Import,
    /// Users, API tokens, scorecards, custom KPIs.
    Administer,
    /// Targets, their splits, the working-day calendar, daily tracking.
    Plan,
    /// Improvement actions, review-sheet notes, audit checks of daily reports.
    Review,
    /// Read the change log.
    ReadChangeLog,
    /// File one's own daily report.
    FileDailyReport,
    /// Courses and sessions, sign-in, assessment scores, ROI assumptions.
    Train,
}

/// A logged-in person, as far as access is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The rep record of a rep or team lead.
    pub rep_id: Option<String>,
    /// The team a team lead leads, or a manager's org unit (none: the whole organisation).
    pub team: Option<String>,
}

impl Viewer {
    pub fn may(&self, permission: Permission) -> bool {
        use Permission::*;
        match self.role {
            Role::Admin => true,
            Role::Manager => matches!(permission, Import | Plan | Review | ReadChangeLog | Train),
            Role::TeamLead => matches!(permission, Review | FileDailyReport),
            Role::Trainer => matches!(permission, Train),
            Role::Rep => matches!(permission, FileDailyReport),
        }
    }

    /// Whether the viewer may change something the whole organisation shares — the working-day
    /// calendar, the pipelines, the course catalogue — with `permission`: only someone who writes
    /// everything, never a manager of one unit, whose change would move other units' figures.
    pub fn may_change_shared(&self, permission: Permission) -> bool {
        self.may(permission) && self.write_scope().is_everything()
    }

    /// Whether the viewer may see `scope` at `reach`. `team_of_rep` gives a rep's current team.
    pub fn sees(&self, scope: &Scope, reach: Reach, tree: &TeamTree, team_of_rep: impl Fn(&str) -> Option<String>) -> bool {
        match self.role {
            Role::Admin => true,
            // A trainer plans and measures training: the organisation's figures and the training
            // records, never a rep's calls, deals or daily reports.
            Role::Trainer => reach != Reach::Records,
            Role::Manager | Role::TeamLead => match self.team.as_deref() {
                // A team lead without a team sees only themselves.
                None if self.role == Role::TeamLead => self.is_own(scope),
                None => true,
                Some(unit) => {
                    let within = tree.with_descendants(unit);
                    match scope {
                        Scope::Org => false,
                        Scope::Team(team) => within.contains(team),
                        Scope::Rep(rep) => team_of_rep(rep).is_some_and(|t| within.contains(&t)) || self.is_own(scope),
                    }
                }
            },
            Role::Rep => match scope {
                Scope::Rep(_) => self.is_own(scope),
                Scope::Team(team) => {
                    reach == Reach::Aggregates && self.rep_id.as_deref().and_then(&team_of_rep).as_deref() == Some(team.as_str())
                }
                Scope::Org => false,
            },
        }
    }

    /// Whose records the viewer may write. Every write — ingest, the import page, forms — is
    /// checked against it, for the record as stored before and as written.
    pub fn write_scope(&self) -> WriteScope {
        match (self.role, &self.team, &self.rep_id) {
            (Role::Admin | Role::Trainer, _, _) | (Role::Manager, None, _) => WriteScope::Everything,
            (Role::Rep, _, Some(rep)) | (Role::TeamLead, None, Some(rep)) => WriteScope::OwnRecords(rep.clone()),
            (Role::Manager | Role::TeamLead, Some(unit), _) => WriteScope::Unit(unit.clone()),
            (Role::Rep | Role::TeamLead, _, None) => WriteScope::Nothing,
        }
    }

    fn is_own(&self, scope: &Scope) -> bool {
        matches!(scope, Scope::Rep(rep) if self.rep_id.as_deref() == Some(rep.as_str()))
    }

    /// Where the viewer's pages open: their own figures for a rep, their team for a team lead
    /// or a manager of a unit, the organisation otherwise.
    pub fn home_scope(&self) -> Scope {
        match (self.role, &self.rep_id, &self.team) {
            (Role::Rep, Some(rep), _) => Scope::Rep(rep.clone()),
            (Role::TeamLead | Role::Manager, _, Some(team)) => Scope::Team(team.clone()),
            (Role::TeamLead, Some(rep), None) => Scope::Rep(rep.clone()),
            _ => Scope::Org,
        }
    }
}

/// The records a person may write: all, those of the reps in a unit (a team and its sub-teams),
/// a rep's own, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteScope {
    Everything,
    Unit(String),
    OwnRecords(String),
    Nothing,
}

impl WriteScope {
    /// Whether a record of `rep` in `team` lies within: `rep` is the rep the record belongs to
    /// (none for the organisation's records, such as customers), `team` the team that rep is in
    /// — for a rep record, the team the write puts them in. Asked for the record as written and,
    /// when it replaces one, for the stored one: a rep moved out of a unit leaves it.
    pub fn covers(&self, rep: Option<&str>, team: Option<&str>, tree: &TeamTree) -> bool {
        let rep = rep.filter(|r| !r.is_empty());
        match self {
            WriteScope::Everything => true,
            WriteScope::Unit(unit) => rep.is_some() && team.is_some_and(|t| tree.with_descendants(unit).contains(t)),
            WriteScope::OwnRecords(own) => rep == Some(own.as_str()),
            WriteScope::Nothing => false,
        }
    }

    pub fn is_everything(&self) -> bool {
        *self == WriteScope::Everything
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> TeamTree {
        TeamTree::new([
            ("中心".to_string(), None),
            ("一部".to_string(), Some("中心".to_string())),
            ("一组".to_string(), Some("一部".to_string())),
            ("二部".to_string(), Some("中心".to_string())),
        ])
    }

    fn team_of(rep: &str) -> Option<String> {
        match rep {
            "R1" | "R2" => Some("一组".to_string()),
            "R3" => Some("二部".to_string()),
            _ => None,
        }
    }

    fn viewer(role: Role, rep: Option<&str>, team: Option<&str>) -> Viewer {
        Viewer { login: "x".into(), name: "X".into(), role, rep_id: rep.map(Into::into), team: team.map(Into::into) }
    }

    fn sees(v: &Viewer, scope: &str, reach: Reach) -> bool {
        v.sees(&Scope::parse(scope).expect("scope"), reach, &tree(), team_of)
    }

    #[test]
    fn a_rep_sees_their_own_records_and_their_teams_aggregates_only() {
        let rep = viewer(Role::Rep, Some("R1"), None);
        assert!(sees(&rep, "rep:R1", Reach::Records));
        assert!(!sees(&rep, "rep:R2", Reach::Aggregates), "a teammate's figures are not theirs");
        assert!(sees(&rep, "team:一组", Reach::Aggregates));
        assert!(!sees(&rep, "team:一组", Reach::Records), "the team's records are other people's");
        assert!(!sees(&rep, "team:一部", Reach::Aggregates));
        assert!(!sees(&rep, "org", Reach::Aggregates));
        assert_eq!(rep.home_scope(), Scope::Rep("R1".into()));
    }

    #[test]
    fn a_team_lead_sees_their_team_and_its_sub_teams() {
        let lead = viewer(Role::TeamLead, Some("R9"), Some("一部"));
        assert!(sees(&lead, "team:一部", Reach::Records));
        assert!(sees(&lead, "team:一组", Reach::Records));
        assert!(sees(&lead, "rep:R1", Reach::Records));
        assert!(sees(&lead, "rep:R9", Reach::Records), "their own record, wherever it sits");
        assert!(!sees(&lead, "rep:R3", Reach::Aggregates));
        assert!(!sees(&lead, "team:二部", Reach::Aggregates));
        assert!(!sees(&lead, "org", Reach::Aggregates));
        assert_eq!(lead.home_scope(), Scope::Team("一部".into()));
    }

    #[test]
    fn a_manager_sees_their_unit_or_everything() {
        let whole = viewer(Role::Manager, None, None);
        assert!(sees(&whole, "org", Reach::Records));
        let unit = viewer(Role::Manager, None, Some("二部"));
        assert!(sees(&unit, "rep:R3", Reach::Records));
        assert!(!sees(&unit, "rep:R1", Reach::Records));
        assert!(!sees(&unit, "org", Reach::Aggregates));
    }

    #[test]
    fn a_trainer_sees_training_records_and_figures_but_no_reps_sales_records() {
        let trainer = viewer(Role::Trainer, None, None);
        assert!(sees(&trainer, "org", Reach::Training) && sees(&trainer, "org", Reach::Aggregates));
        assert!(sees(&trainer, "team:一部", Reach::Aggregates));
        assert!(!sees(&trainer, "rep:R1", Reach::Records) && !sees(&trainer, "org", Reach::Records));
        let rep = viewer(Role::Rep, Some("R1"), None);
        assert!(!sees(&rep, "org", Reach::Training), "a rep reads the organisation's training sheets nowhere");
    }

    #[test]
    fn writers_write_inside_their_scope_only() {
        let t = tree();
        let unit = viewer(Role::Manager, None, Some("一部")).write_scope();
        assert_eq!(unit, WriteScope::Unit("一部".into()));
        assert!(unit.covers(Some("R1"), Some("一组"), &t), "a rep of a sub-team is in the unit");
        assert!(!unit.covers(Some("R3"), Some("二部"), &t), "another unit's rep");
        assert!(!unit.covers(None, None, &t), "the organisation's records");
        assert!(!unit.covers(Some("R9"), None, &t), "a rep in no team");
        let rep = viewer(Role::Rep, Some("R1"), None).write_scope();
        assert!(rep.covers(Some("R1"), Some("二部"), &t) && !rep.covers(Some("R2"), Some("一组"), &t));
        assert!(viewer(Role::Manager, None, None).write_scope().covers(None, None, &t));
        assert!(viewer(Role::Admin, None, Some("一部")).write_scope().is_everything());
        assert_eq!(viewer(Role::TeamLead, None, None).write_scope(), WriteScope::Nothing);
    }

    #[test]
    fn permissions_follow_the_roles() {
        let rep = viewer(Role::Rep, Some("R1"), None);
        assert!(rep.may(Permission::FileDailyReport));
        assert!(!rep.may(Permission::Import) && !rep.may(Permission::Plan) && !rep.may(Permission::Review));
        let manager = viewer(Role::Manager, None, None);
        assert!(manager.may(Permission::Plan) && manager.may(Permission::Import));
        assert!(!manager.may(Permission::Administer));
        assert!(viewer(Role::Admin, None, None).may(Permission::Administer));
        assert!(!viewer(Role::Trainer, None, None).may(Permission::Import));
        assert_eq!(Role::from_id("team-lead"), Some(Role::TeamLead));
    }
}
