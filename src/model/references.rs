//! The one reference graph: which definition names which segment. Segments
//! name segments in their conditions; views, playbooks and destinations name
//! them too. The graph answers, for every layer that needs it, the order in
//! which segments must be evaluated (a segment after those it names), the
//! cycles (with one message), and who refers to a segment (for delete
//! refusals and renames). Names are matched ignoring case, as everywhere.
//!
//! Each reference carries a location `L` of the caller's choosing (a span
//! in a file for diagnostics, nothing for the engine).

use std::collections::HashMap;

use super::DefinitionKind;

/// Names ignoring case: the key of every definition.
pub fn fold_name(name: &str) -> String {
    name.to_lowercase()
}

/// A definition in the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub kind: DefinitionKind,
    pub name: String,
}

impl Node {
    /// `segment "Name"`, as messages name a definition.
    pub fn label(&self) -> String {
        format!("{} \"{}\"", self.kind.keyword(), self.name)
    }
}

/// Segments that refer to each other in a circle.
#[derive(Clone, Debug, PartialEq)]
pub struct Cycle<L> {
    /// The segments in the circle, in reference order.
    pub names: Vec<String>,
    /// The node whose reference closes the circle, and where that is.
    pub closed_by: usize,
    pub closing: L,
}

impl<L> Cycle<L> {
    /// The one way a cycle is told.
    pub fn message(&self) -> String {
        match self.names.as_slice() {
            [only] => format!("segment \"{only}\" refers to itself"),
            names => {
                let mut path: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
                path.push(format!("\"{}\"", names[0]));
                format!(
                    "segments refer to each other in a cycle: {}",
                    path.join(" -> ")
                )
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct ReferenceGraph<L> {
    nodes: Vec<(Node, Vec<(String, L)>)>,
    /// Folded segment name → its node (the first of that name).
    segments: HashMap<String, usize>,
}

impl<L> Default for ReferenceGraph<L> {
    fn default() -> ReferenceGraph<L> {
        ReferenceGraph {
            nodes: Vec::new(),
            segments: HashMap::new(),
        }
    }
}

impl<L: Clone> ReferenceGraph<L> {
    /// Adds a definition and the segment names it refers to; returns its
    /// node. A second segment of a name already added keeps the first's
    /// place as the target of references.
    pub fn add(&mut self, kind: DefinitionKind, name: &str, references: Vec<(String, L)>) -> usize {
        let index = self.nodes.len();
        if kind == DefinitionKind::Segment {
            self.segments.entry(fold_name(name)).or_insert(index);
        }
        self.nodes.push((
            Node {
                kind,
                name: name.to_string(),
            },
            references,
        ));
        index
    }

    pub fn node(&self, index: usize) -> &Node {
        &self.nodes[index].0
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node of a segment, by name.
    pub fn segment(&self, name: &str) -> Option<usize> {
        self.segments.get(&fold_name(name)).copied()
    }

    /// The segments a node refers to that exist, as nodes, with where.
    fn targets(&self, node: usize) -> impl Iterator<Item = (usize, &L)> + '_ {
        self.nodes[node]
            .1
            .iter()
            .filter_map(|(name, at)| self.segment(name).map(|target| (target, at)))
    }

    /// The definitions (of any kind) that refer to segment `name`, other
    /// than itself, in the order they were added.
    pub fn referrers(&self, name: &str) -> Vec<&Node> {
        let Some(target) = self.segment(name) else {
            return Vec::new();
        };
        (0..self.nodes.len())
            .filter(|&node| node != target && self.targets(node).any(|(t, _)| t == target))
            .map(|node| self.node(node))
            .collect()
    }

    /// Every cycle among the segments, each found once.
    pub fn cycles(&self) -> Vec<Cycle<L>> {
        let mut found = Vec::new();
        self.walk(|cycle| {
            found.push(cycle);
            true
        });
        found
    }

    /// The segment nodes, each after the segments it refers to; or the
    /// first cycle.
    pub fn dependency_order(&self) -> Result<Vec<usize>, Cycle<L>> {
        let mut first = None;
        let order = self.walk(|cycle| {
            first = Some(cycle);
            false
        });
        match first {
            Some(cycle) => Err(cycle),
            None => Ok(order),
        }
    }

    /// Depth-first over the segment nodes (iterative: chains of thousands
    /// of segments do not exhaust the stack). `on_cycle` hears each cycle
    /// and says whether to go on. Returns the nodes in post-order.
    fn walk(&self, mut on_cycle: impl FnMut(Cycle<L>) -> bool) -> Vec<usize> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let mut marks = vec![Mark::New; self.nodes.len()];
        let mut order = Vec::new();
        // Each node's targets, looked up once (names are folded to find them).
        let targets: Vec<Vec<(usize, &L)>> = (0..self.nodes.len())
            .map(|node| self.targets(node).collect())
            .collect();
        // Walks start in name order, so what a cycle's message names first
        // does not depend on the order the definitions were given in.
        let mut starts: Vec<usize> = (0..self.nodes.len())
            .filter(|&node| self.nodes[node].0.kind == DefinitionKind::Segment)
            .collect();
        starts.sort_by_cached_key(|&node| fold_name(&self.nodes[node].0.name));
        for start in starts {
            if marks[start] != Mark::New {
                continue;
            }
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            marks[start] = Mark::OnPath;
            while let Some(&(node, next)) = path.last() {
                let Some(&(target, at)) = targets[node].get(next) else {
                    marks[node] = Mark::Done;
                    order.push(node);
                    path.pop();
                    continue;
                };
                if let Some(top) = path.last_mut() {
                    top.1 += 1;
                }
                match marks[target] {
                    Mark::New => {
                        marks[target] = Mark::OnPath;
                        path.push((target, 0));
                    }
                    Mark::OnPath => {
                        let from = path.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        let cycle = Cycle {
                            names: path[from..]
                                .iter()
                                .map(|(n, _)| self.node(*n).name.clone())
                                .collect(),
                            closed_by: node,
                            closing: at.clone(),
                        };
                        if !on_cycle(cycle) {
                            return order;
                        }
                    }
                    Mark::Done => {}
                }
            }
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments_graph(edges: &[(&str, &[&str])]) -> ReferenceGraph<()> {
        let mut graph = ReferenceGraph::default();
        for (name, references) in edges {
            let references = references.iter().map(|r| (r.to_string(), ())).collect();
            graph.add(DefinitionKind::Segment, name, references);
        }
        graph
    }

    #[test]
    fn order_puts_dependencies_first() {
        let graph = segments_graph(&[
            ("A", &["B", "c"]),
            ("B", &["C"]),
            ("C", &[]),
            ("D", &["Nope"]),
        ]);
        let order: Vec<&str> = graph
            .dependency_order()
            .expect("no cycle")
            .into_iter()
            .map(|n| graph.node(n).name.as_str())
            .collect();
        assert_eq!(order, ["C", "B", "A", "D"]);
        let graph = segments_graph(&[("Z", &["Y"]), ("Y", &[])]);
        let order: Vec<usize> = graph.dependency_order().expect("no cycle");
        assert_eq!(order, [1, 0], "Y first, as Z needs it");
    }

    #[test]
    fn cycles_are_found_once_and_told_one_way() {
        let graph = segments_graph(&[("A", &["B"]), ("B", &["A"]), ("S", &["s"]), ("T", &["A"])]);
        let cycles = graph.cycles();
        let messages: Vec<String> = cycles.iter().map(Cycle::message).collect();
        assert_eq!(
            messages,
            [
                "segments refer to each other in a cycle: \"A\" -> \"B\" -> \"A\"",
                "segment \"S\" refers to itself",
            ]
        );
        assert_eq!(cycles[0].closed_by, 1, "B's reference closes it");
        assert!(graph.dependency_order().is_err());
    }

    #[test]
    fn referrers_of_any_kind_but_not_itself() {
        let mut graph = segments_graph(&[("A", &["a"]), ("B", &["A"])]);
        graph.add(
            DefinitionKind::Destination,
            "CRM",
            vec![("a".to_string(), ())],
        );
        let labels: Vec<String> = graph.referrers("A").iter().map(|n| n.label()).collect();
        assert_eq!(labels, ["segment \"B\"", "destination \"CRM\""]);
        assert!(graph.referrers("Nope").is_empty());
    }

    #[test]
    fn a_long_chain_does_not_exhaust_the_stack() {
        let names: Vec<String> = (0..20_000).map(|i| format!("s{i}")).collect();
        let mut graph = ReferenceGraph::default();
        for (index, name) in names.iter().enumerate() {
            let next = names
                .get(index + 1)
                .map(|n| (n.clone(), ()))
                .into_iter()
                .collect();
            graph.add(DefinitionKind::Segment, name, next);
        }
        assert_eq!(graph.dependency_order().expect("a chain").len(), 20_000);
    }
}
