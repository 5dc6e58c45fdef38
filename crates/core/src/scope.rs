//! Who a figure is about: the whole organisation, a team with its sub-teams, or one rep.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Org,
    /// A team and its sub-teams.
    Team(String),
    Rep(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeError(pub String);

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a scope (use org, team:<name> or rep:<rep id>)", self.0)
    }
}

impl std::error::Error for ScopeError {}

impl Scope {
    pub fn parse(text: &str) -> Result<Scope, ScopeError> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("org") || t == "全公司" {
            return Ok(Scope::Org);
        }
        let (kind, name) = t.split_once(':').or_else(|| t.split_once('：')).ok_or_else(|| ScopeError(t.to_string()))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(ScopeError(t.to_string()));
        }
        match kind.trim().to_ascii_lowercase().as_str() {
            "team" | "团队" => Ok(Scope::Team(name.to_string())),
            "rep" | "销售" => Ok(Scope::Rep(name.to_string())),
            _ => Err(ScopeError(t.to_string())),
        }
    }

    /// The canonical text, as [`Scope::parse`] reads it.
    pub fn label(&self) -> String {
        match self {
            Scope::Org => "org".to_string(),
            Scope::Team(t) => format!("team:{t}"),
            Scope::Rep(r) => format!("rep:{r}"),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// The team hierarchy.
#[derive(Debug, Clone, Default)]
pub struct TeamTree {
    parent: BTreeMap<String, Option<String>>,
}

impl TeamTree {
    pub fn new(teams: impl IntoIterator<Item = (String, Option<String>)>) -> TeamTree {
        TeamTree { parent: teams.into_iter().collect() }
    }

    pub fn contains(&self, team: &str) -> bool {
        self.parent.contains_key(team)
    }

    pub fn parent(&self, team: &str) -> Option<&str> {
        self.parent.get(team).and_then(|p| p.as_deref())
    }

    /// The team and every team below it (a cycle in the data stops the walk).
    pub fn with_descendants(&self, team: &str) -> BTreeSet<String> {
        let mut found: BTreeSet<String> = BTreeSet::new();
        let mut frontier = vec![team.to_string()];
        while let Some(current) = frontier.pop() {
            if !found.insert(current.clone()) {
                continue;
            }
            frontier.extend(self.parent.iter().filter(|(_, p)| p.as_deref() == Some(current.as_str())).map(|(t, _)| t.clone()));
        }
        found
    }

    /// Teams with the same parent (top-level teams for a top-level team), itself included.
    pub fn siblings(&self, team: &str) -> Vec<String> {
        let parent = self.parent(team);
        self.parent.iter().filter(|(_, p)| p.as_deref() == parent).map(|(t, _)| t.clone()).collect()
    }

    pub fn teams(&self) -> impl Iterator<Item = &str> {
        self.parent.keys().map(String::as_str)
    }

    /// Teams that have no parent.
    pub fn roots(&self) -> Vec<String> {
        self.parent.iter().filter(|(_, p)| p.is_none()).map(|(t, _)| t.clone()).collect()
    }

    /// Direct sub-teams of a team.
    pub fn children(&self, team: &str) -> Vec<String> {
        self.parent.iter().filter(|(_, p)| p.as_deref() == Some(team)).map(|(t, _)| t.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_in_both_languages() {
        assert_eq!(Scope::parse("org"), Ok(Scope::Org));
        assert_eq!(Scope::parse("team:销售一部"), Ok(Scope::Team("销售一部".into())));
        assert_eq!(Scope::parse("团队：销售一部"), Ok(Scope::Team("销售一部".into())));
        assert_eq!(Scope::parse("rep:R001"), Ok(Scope::Rep("R001".into())));
        assert!(Scope::parse("team:").is_err());
        assert!(Scope::parse("region:east").is_err());
        assert_eq!(Scope::parse(&Scope::Team("A".into()).label()), Ok(Scope::Team("A".into())));
    }

    #[test]
    fn teams_include_their_sub_teams_and_survive_cycles() {
        let tree = TeamTree::new([
            ("中心".to_string(), None),
            ("一部".to_string(), Some("中心".to_string())),
            ("一组".to_string(), Some("一部".to_string())),
            ("二部".to_string(), Some("中心".to_string())),
            ("X".to_string(), Some("Y".to_string())),
            ("Y".to_string(), Some("X".to_string())),
        ]);
        assert_eq!(tree.with_descendants("一部"), ["一部".to_string(), "一组".to_string()].into());
        assert_eq!(tree.with_descendants("中心").len(), 4);
        assert_eq!(tree.siblings("一部"), vec!["一部".to_string(), "二部".to_string()]);
        assert_eq!(tree.with_descendants("X").len(), 2);
    }
}
