//! Load-time checks of the Rego itself, on regorus's own parse tree: what a pack
//! may not do even when it compiles.
//!
//! - **Non-deterministic builtins.** A verdict must follow from the snapshot, the
//!   context (`--now`, the limits) and the policies alone, so that the audit
//!   record can reproduce it. A call to a builtin that reads the clock, draws
//!   random numbers, reaches the network or reads the environment is refused at
//!   its file and line. The list is OPA's own (the builtins OPA marks
//!   `Nondeterministic`) plus the two X.509 chain checks, which read the clock.
//!   `io.jwt.decode_verify` and
//!   `crypto.x509.parse_and_verify_certificates_with_options` are accepted only
//!   when their constraints are an object literal that gives the time (`time`,
//!   `CurrentTime`): without it they read the clock. A builtin named as a value
//!   (`with f as time.now_ns`) counts like a call; replacing one
//!   (`with time.now_ns as 0`) does not, since that removes the clock.
//! - **Recursion.** OPA refuses a rule that depends on itself, directly or through
//!   other rules and functions (`rego_recursion_error`); regorus does not and
//!   overflows its stack. The rules of all files form one graph: a rule depends
//!   on every rule whose path is a prefix or an extension of a path it refers
//!   to, by bare name in its package, through an import or through `data.`.
//!   A name declared locally (function parameters, `some`, `:=`, `every`,
//!   comprehension bodies) shadows a rule of that name, as in Rego. Each
//!   strongly connected component with a cycle is one issue naming one cycle.
//! - **Depth.** Before parsing, regorus's lexer measures how deeply brackets nest
//!   and how many minus signs follow each other: past [`MAX_NESTING`], regorus's
//!   parser would take exponential time or overflow its stack, so the file is an
//!   issue and is never parsed (by the engine either, since the load fails). The
//!   walk of the tree recurses too; past [`MAX_DEPTH`] levels it stops with an
//!   issue (a chain of thousands of `+`, which the parser builds in a loop, is
//!   that deep).
//!
//! A file regorus cannot parse is left to the engine, whose error names the
//! position.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use regorus::unstable::{
    AssignOp, Expr, Lexer, Literal, LiteralStmt, Module, Parser, Query, Ref, Rule, RuleHead,
    Source, Token, TokenKind,
};

use crate::model::Code;
use crate::policy::{PolicyFile, PolicyIssue};

/// How deep the walk goes into nested expressions and queries before it gives up.
pub const MAX_DEPTH: usize = 200;

/// How deeply brackets (`(`, `[`, `{`) may nest, and how many unary minus signs
/// may follow each other, in the text given to regorus's parser. The parser tries
/// each `[` and `{` as a comprehension first and parses it again when it is not
/// one, so its time doubles with each level (24 nested objects: 49 s), and it
/// recurses on brackets and signs without a limit (50,000 nested arrays overflow
/// its stack). The bundled packs nest 7 deep at most.
pub const MAX_NESTING: usize = 12;

/// Checks every file (modules and tests together: `closeout test` evaluates both,
/// and a cycle may run through both). Issues come in file order, then line order.
pub fn check_modules(files: &[PolicyFile]) -> Vec<PolicyIssue> {
    let mut graph = Graph::default();
    let mut found = Vec::new();
    let mut parsed = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let Ok(source) = Source::from_contents(file.path.clone(), file.text.to_string()) else {
            continue;
        };
        if let Some(line) = nested_beyond_limit(&source) {
            found.push(Found {
                file: index,
                line,
                message: format!(
                    "expression nested too deeply (over {MAX_NESTING} brackets or minus signs): regorus's parser would take exponential time or overflow its stack; name the inner values"
                ),
            });
            continue;
        }
        let Some(module) = Parser::new(&source)
            .and_then(|mut p| {
                p.enable_rego_v1()?;
                p.parse()
            })
            .ok()
        else {
            continue;
        };
        graph.add_rules(index, &module);
        parsed.push((index, module));
    }
    let mut refs = Vec::new();
    for (index, module) in parsed {
        let too_deep = walk_module(index, &module, &graph, &mut refs, &mut found);
        if too_deep {
            // Dropping a tree this deep would recurse in regorus's own `Drop`;
            // the run stops at this issue anyway, so the memory is not missed.
            std::mem::forget(module);
        }
    }
    for (from, path) in refs {
        graph.link(from, &path);
    }
    found.extend(graph.cycles());
    found.sort_by(|a, b| (a.file, a.line, &a.message).cmp(&(b.file, b.line, &b.message)));
    found.dedup_by(|a, b| (a.file, a.line, &a.message) == (b.file, b.line, &b.message));
    found
        .into_iter()
        .map(|f| PolicyIssue {
            code: Code::PolicyLint,
            file: files[f.file].path.clone(),
            line: f.line,
            message: f.message,
            text: Some(std::sync::Arc::clone(&files[f.file].text)),
        })
        .collect()
}

/// The line of the first token past [`MAX_NESTING`], read with regorus's own lexer
/// (which knows strings and comments). A file the lexer refuses is left to the engine.
fn nested_beyond_limit(source: &Source) -> Option<usize> {
    let mut lexer = Lexer::new(source);
    let mut depth = 0usize;
    let mut signs = 0usize;
    loop {
        let Token(kind, span) = lexer.next_token().ok()?;
        match kind {
            TokenKind::Eof => return None,
            TokenKind::Symbol => {
                let text = span.text();
                if text.ends_with('(') || text == "[" || text == "{" {
                    depth += 1;
                } else if matches!(text, ")" | "]" | "}") {
                    depth = depth.saturating_sub(1);
                }
                signs = if text == "-" { signs + 1 } else { 0 };
                if depth > MAX_NESTING || signs > MAX_NESTING {
                    return Some(span.line as usize);
                }
            }
            _ => signs = 0,
        }
    }
}

/// An issue before it is given its file's name and text.
#[derive(Debug)]
struct Found {
    file: usize,
    line: usize,
    message: String,
}

/// A non-deterministic builtin: what it does and what to use instead.
struct Refused {
    name: &'static str,
    does: &'static str,
    instead: &'static str,
    /// The call is deterministic when this argument (0-based) is an object
    /// literal with this key: the caller gave the time.
    unless: Option<(usize, &'static str)>,
}

const CLOCK: &str = "use data.closeout.context.now_ns";
const FACTS: &str = "put what the rule needs in the snapshot";

const REFUSED: &[Refused] = &[
    Refused {
        name: "time.now_ns",
        does: "reads the clock",
        instead: CLOCK,
        unless: None,
    },
    Refused {
        name: "rand.intn",
        does: "draws a random number",
        instead: "derive the value from the snapshot",
        unless: None,
    },
    Refused {
        name: "uuid.rfc4122",
        does: "draws a random UUID",
        instead: "derive the value from the snapshot",
        unless: None,
    },
    Refused {
        name: "io.jwt.encode_sign",
        does: "signs with a random nonce",
        instead: FACTS,
        unless: None,
    },
    Refused {
        name: "io.jwt.encode_sign_raw",
        does: "signs with a random nonce",
        instead: FACTS,
        unless: None,
    },
    Refused {
        name: "io.jwt.decode_verify",
        does: "reads the clock to check exp and nbf",
        instead: "give the constraints \"time\": data.closeout.context.now_ns",
        unless: Some((1, "time")),
    },
    Refused {
        name: "crypto.x509.parse_and_verify_certificates",
        does: "reads the clock to check the validity period",
        instead: "use crypto.x509.parse_and_verify_certificates_with_options with \"CurrentTime\": data.closeout.context.now_ns",
        unless: None,
    },
    Refused {
        name: "crypto.x509.parse_and_verify_certificates_with_options",
        does: "reads the clock to check the validity period",
        instead: "give the options \"CurrentTime\": data.closeout.context.now_ns",
        unless: Some((1, "CurrentTime")),
    },
    Refused {
        name: "http.send",
        does: "reaches the network",
        instead: FACTS,
        unless: None,
    },
    Refused {
        name: "net.lookup_ip_addr",
        does: "resolves a name over the network",
        instead: FACTS,
        unless: None,
    },
    Refused {
        name: "opa.runtime",
        does: "reads the process environment",
        instead: "pass settings as [defaults.data] in closeout.toml (data.closeout.config)",
        unless: None,
    },
];

fn refused(path: &str) -> Option<&'static Refused> {
    REFUSED.iter().find(|r| r.name == path)
}

fn refused_message(r: &Refused) -> String {
    format!(
        "`{}` {}: verdicts could not be reproduced from --now and the audit record; {}",
        r.name, r.does, r.instead
    )
}

/// The rules of every file: one node per rule path (all definitions of a rule,
/// its else branches and its default share it), and what each depends on.
#[derive(Debug, Default)]
struct Graph {
    nodes: Vec<Node>,
    index: BTreeMap<Vec<String>, usize>,
    edges: Vec<BTreeSet<usize>>,
}

#[derive(Debug)]
struct Node {
    /// Package path then head path, without `data`.
    path: Vec<String>,
    /// How many leading components are the package.
    package_len: usize,
    /// The first definition.
    file: usize,
    line: usize,
}

impl Graph {
    fn add_rules(&mut self, file: usize, module: &Module) {
        let package = package_path(module);
        for rule in &module.policy {
            let Some(path) = rule_path(&package, rule) else {
                continue;
            };
            if self.index.contains_key(&path) {
                continue;
            }
            self.index.insert(path.clone(), self.nodes.len());
            self.nodes.push(Node {
                path,
                package_len: package.len(),
                file,
                line: rule.span().line as usize,
            });
            self.edges.push(BTreeSet::new());
        }
    }

    fn node_of(&self, package: &[String], rule: &Rule) -> Option<usize> {
        rule_path(package, rule).and_then(|p| self.index.get(&p).copied())
    }

    /// `from` refers to `path`: it depends on every rule at, above or below it.
    fn link(&mut self, from: usize, path: &[String]) {
        for len in 1..=path.len() {
            if let Some(&to) = self.index.get(&path[..len]) {
                self.edges[from].insert(to);
            }
        }
        let below: Vec<usize> = self
            .index
            .range(path.to_vec()..)
            .take_while(|(p, _)| p.starts_with(path))
            .map(|(_, &i)| i)
            .collect();
        self.edges[from].extend(below);
    }

    /// One issue per strongly connected component that holds a cycle.
    fn cycles(&self) -> Vec<Found> {
        let mut found = Vec::new();
        for component in self.components() {
            let single = component.len() == 1;
            if single && !self.edges[component[0]].contains(&component[0]) {
                continue;
            }
            let start = *component
                .iter()
                .min_by_key(|&&n| (self.nodes[n].file, self.nodes[n].line))
                .expect("components are not empty");
            let members: BTreeSet<usize> = component.iter().copied().collect();
            let cycle = self.cycle_through(start, &members);
            let same_package = cycle.iter().all(|&n| {
                let node = &self.nodes[n];
                let first = &self.nodes[start];
                node.path[..node.package_len] == first.path[..first.package_len]
            });
            let names: Vec<String> = cycle
                .iter()
                .map(|&n| {
                    let node = &self.nodes[n];
                    if same_package {
                        node.path[node.package_len..].join(".")
                    } else {
                        format!("data.{}", node.path.join("."))
                    }
                })
                .collect();
            let node = &self.nodes[start];
            found.push(Found {
                file: node.file,
                line: node.line,
                message: format!(
                    "recursion: {}; OPA refuses recursive rules and closeout would overflow its stack",
                    names.join(" -> ")
                ),
            });
        }
        found
    }

    /// The shortest path from `start` back to itself within `members`, both ends included.
    fn cycle_through(&self, start: usize, members: &BTreeSet<usize>) -> Vec<usize> {
        let mut previous: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            for &next in &self.edges[n] {
                if next == start {
                    let mut path = vec![start];
                    let mut at = n;
                    loop {
                        path.push(at);
                        if at == start {
                            break;
                        }
                        at = previous[&at];
                    }
                    path.reverse();
                    return path;
                }
                if members.contains(&next) && !previous.contains_key(&next) {
                    previous.insert(next, n);
                    queue.push_back(next);
                }
            }
        }
        vec![start, start]
    }

    /// Tarjan's strongly connected components, with an explicit stack.
    fn components(&self) -> Vec<Vec<usize>> {
        let n = self.nodes.len();
        let mut index = vec![usize::MAX; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut next_index = 0;
        let mut components = Vec::new();
        let edges: Vec<Vec<usize>> = self
            .edges
            .iter()
            .map(|e| e.iter().copied().collect())
            .collect();
        for root in 0..n {
            if index[root] != usize::MAX {
                continue;
            }
            // (node, position in its edge list)
            let mut work = vec![(root, 0)];
            index[root] = next_index;
            low[root] = next_index;
            next_index += 1;
            stack.push(root);
            on_stack[root] = true;
            while let Some(&mut (v, ref mut at)) = work.last_mut() {
                if let Some(&w) = edges[v].get(*at) {
                    *at += 1;
                    if index[w] == usize::MAX {
                        index[w] = next_index;
                        low[w] = next_index;
                        next_index += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    components.push(component);
                }
            }
        }
        components
    }
}

fn package_path(module: &Module) -> Vec<String> {
    Parser::get_path_ref_components(&module.package.refr)
        .map(|spans| spans.iter().map(|s| s.text().to_string()).collect())
        .unwrap_or_default()
}

fn rule_path(package: &[String], rule: &Rule) -> Option<Vec<String>> {
    let refr = match rule {
        Rule::Spec { head, .. } => match head {
            RuleHead::Compr { refr, .. }
            | RuleHead::Set { refr, .. }
            | RuleHead::Func { refr, .. } => refr,
        },
        Rule::Default { refr, .. } => refr,
    };
    let chain = Chain::of(refr);
    let root = chain.root_var()?;
    let mut path = package.to_vec();
    path.push(root.to_string());
    path.extend(chain.static_fields());
    Some(path)
}

/// A reference `a.b["c"][x].d` taken apart without recursion: its root and its
/// components, innermost first.
struct Chain<'a> {
    root: &'a Expr,
    parts: Vec<Part<'a>>,
}

enum Part<'a> {
    Field(&'a str),
    Index(&'a Ref<Expr>),
}

impl<'a> Chain<'a> {
    fn of(expr: &'a Expr) -> Chain<'a> {
        let mut parts = Vec::new();
        let mut at = expr;
        loop {
            match at {
                Expr::RefDot { refr, field, .. } => {
                    parts.push(Part::Field(field.0.text()));
                    at = refr;
                }
                Expr::RefBrack { refr, index, .. } => {
                    parts.push(Part::Index(index));
                    at = refr;
                }
                _ => break,
            }
        }
        parts.reverse();
        Chain { root: at, parts }
    }

    fn root_var(&self) -> Option<&'a str> {
        match self.root {
            Expr::Var { span, .. } => Some(span.text()),
            _ => None,
        }
    }

    /// The components up to the first one known only at evaluation.
    fn static_fields(&self) -> Vec<String> {
        let mut fields = Vec::new();
        for part in &self.parts {
            match part {
                Part::Field(name) => fields.push(name.to_string()),
                Part::Index(index) => match index.as_ref() {
                    Expr::String { value, .. } | Expr::RawString { value, .. } => {
                        match value.as_string() {
                            Ok(s) => fields.push(s.to_string()),
                            Err(_) => break,
                        }
                    }
                    _ => break,
                },
            }
        }
        fields
    }

    /// `time.now_ns` for a reference made only of a variable and fields.
    fn dotted(&self) -> Option<String> {
        let mut name = self.root_var()?.to_string();
        for part in &self.parts {
            match part {
                Part::Field(field) => {
                    name.push('.');
                    name.push_str(field);
                }
                Part::Index(_) => return None,
            }
        }
        Some(name)
    }
}

/// Walks every rule of one module; returns whether it hit [`MAX_DEPTH`].
fn walk_module(
    file: usize,
    module: &Module,
    graph: &Graph,
    refs: &mut Vec<(usize, Vec<String>)>,
    found: &mut Vec<Found>,
) -> bool {
    let package = package_path(module);
    let mut imports: HashMap<String, Option<Vec<String>>> = HashMap::new();
    for import in &module.imports {
        let Ok(spans) = Parser::get_path_ref_components(&import.refr) else {
            continue;
        };
        let comps: Vec<String> = spans.iter().map(|s| s.text().to_string()).collect();
        let Some(last) = comps.last() else { continue };
        let alias = import
            .r#as
            .as_ref()
            .map_or_else(|| last.clone(), |s| s.text().to_string());
        let target = (comps[0] == "data").then(|| comps[1..].to_vec());
        if matches!(comps[0].as_str(), "data" | "input") {
            imports.insert(alias, target);
        }
    }
    let mut too_deep = false;
    for rule in &module.policy {
        let Some(node) = graph.node_of(&package, rule) else {
            continue;
        };
        let mut walker = Walker {
            file,
            package: &package,
            imports: &imports,
            locals: Vec::new(),
            refs: Vec::new(),
            found,
            rule_line: rule.span().line as usize,
            depth: 0,
            too_deep: false,
        };
        walker.rule(rule);
        too_deep |= walker.too_deep;
        refs.extend(walker.refs.into_iter().map(|path| (node, path)));
    }
    too_deep
}

struct Walker<'a> {
    file: usize,
    package: &'a [String],
    /// Import alias to the data path it names; `None` for `input` imports.
    imports: &'a HashMap<String, Option<Vec<String>>>,
    /// Names declared in the scopes around the current expression.
    locals: Vec<String>,
    /// Data paths (without `data`) the rule refers to.
    refs: Vec<Vec<String>>,
    found: &'a mut Vec<Found>,
    /// Where the rule starts, for an issue about all of it.
    rule_line: usize,
    depth: usize,
    too_deep: bool,
}

impl Walker<'_> {
    fn rule(&mut self, rule: &Rule) {
        match rule {
            Rule::Default {
                refr, args, value, ..
            } => {
                self.head_ref(refr);
                for arg in args {
                    self.declare(arg);
                }
                self.expr(value);
            }
            Rule::Spec { head, bodies, .. } => {
                let (refr, args, key, assign) = match head {
                    RuleHead::Compr { refr, assign, .. } => (refr, &[][..], None, assign.as_ref()),
                    RuleHead::Set { refr, key, .. } => (refr, &[][..], key.as_ref(), None),
                    RuleHead::Func {
                        refr, args, assign, ..
                    } => (refr, &args[..], None, assign.as_ref()),
                };
                for arg in args {
                    self.declare(arg);
                }
                let params = self.locals.len();
                // The head is evaluated in the scope of each body.
                let head = |w: &mut Self| {
                    w.head_ref(refr);
                    if let Some(key) = key {
                        w.expr(key);
                    }
                };
                if bodies.is_empty() {
                    head(self);
                    if let Some(assign) = assign {
                        self.expr(&assign.value);
                    }
                }
                for body in bodies {
                    self.query(&body.query);
                    head(self);
                    match (&body.assign, body.is_else) {
                        (Some(own), _) => self.expr(&own.value),
                        (None, false) => {
                            if let Some(assign) = assign {
                                self.expr(&assign.value);
                            }
                        }
                        (None, true) => {}
                    }
                    self.locals.truncate(params);
                }
            }
        }
    }

    /// The dynamic parts of a rule's own head (`a[x] := ...`); the head itself is no reference.
    fn head_ref(&mut self, refr: &Expr) {
        for part in Chain::of(refr).parts {
            if let Part::Index(index) = part {
                self.expr(index);
            }
        }
    }

    fn query(&mut self, query: &Query) {
        if !self.enter() {
            return;
        }
        for stmt in &query.stmts {
            self.stmt(stmt);
        }
        self.leave();
    }

    fn stmt(&mut self, stmt: &LiteralStmt) {
        for with in &stmt.with_mods {
            // The target is replaced, not read: only the new value is a reference.
            self.head_ref(&with.refr);
            self.expr(&with.r#as);
        }
        match &stmt.literal {
            Literal::SomeVars { vars, .. } => {
                self.locals
                    .extend(vars.iter().map(|v| v.text().to_string()));
            }
            Literal::SomeIn {
                key,
                value,
                collection,
                ..
            } => {
                self.expr(collection);
                if let Some(key) = key {
                    self.declare(key);
                }
                self.declare(value);
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => self.expr(expr),
            Literal::Every {
                key,
                value,
                domain,
                query,
                ..
            } => {
                self.expr(domain);
                let outer = self.locals.len();
                self.locals.extend(key.iter().map(|k| k.text().to_string()));
                self.locals.push(value.text().to_string());
                self.query(query);
                self.locals.truncate(outer);
            }
        }
    }

    /// A pattern that binds names (`x`, `[k, v]`, `{"a": y}`); anything else in it is read.
    fn declare(&mut self, pattern: &Expr) {
        if !self.enter() {
            return;
        }
        match pattern {
            Expr::Var { span, .. } => self.locals.push(span.text().to_string()),
            Expr::Array { items, .. } | Expr::Set { items, .. } => {
                for item in items {
                    self.declare(item);
                }
            }
            Expr::Object { fields, .. } => {
                for (_, key, value) in fields {
                    self.expr(key);
                    self.declare(value);
                }
            }
            other => self.expr(other),
        }
        self.leave();
    }

    /// One level deeper, unless that passes [`MAX_DEPTH`]: then the first time an
    /// issue at the rule's line, and the walk of this rule stops.
    fn enter(&mut self) -> bool {
        if self.too_deep {
            return false;
        }
        if self.depth >= MAX_DEPTH {
            self.too_deep = true;
            self.found.push(Found {
                file: self.file,
                line: self.rule_line,
                message: format!(
                    "expression nested too deeply (over {MAX_DEPTH} levels): closeout cannot check it; split it into smaller rules"
                ),
            });
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn expr(&mut self, expr: &Expr) {
        if !self.enter() {
            return;
        }
        match expr {
            Expr::String { .. }
            | Expr::RawString { .. }
            | Expr::Number { .. }
            | Expr::Bool { .. }
            | Expr::Null { .. } => {}
            Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. } => {
                self.reference(expr, false)
            }
            Expr::Array { items, .. } | Expr::Set { items, .. } => {
                for item in items {
                    self.expr(item);
                }
            }
            Expr::Object { fields, .. } => {
                for (_, key, value) in fields {
                    self.expr(key);
                    self.expr(value);
                }
            }
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                let outer = self.locals.len();
                self.query(query);
                self.expr(term);
                self.locals.truncate(outer);
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                let outer = self.locals.len();
                self.query(query);
                self.expr(key);
                self.expr(value);
                self.locals.truncate(outer);
            }
            Expr::Call {
                span, fcn, params, ..
            } => {
                if let Some(r) = Chain::of(fcn).dotted().and_then(|name| refused(&name)) {
                    let given = r.unless.is_some_and(|(at, key)| {
                        params.get(at).is_some_and(|p| object_has_key(p, key))
                    });
                    if !given {
                        self.refuse(r, span.line as usize);
                    }
                }
                self.reference(fcn, true);
                for param in params {
                    self.expr(param);
                }
            }
            Expr::UnaryExpr { expr, .. } => self.expr(expr),
            Expr::BinExpr { lhs, rhs, .. }
            | Expr::BoolExpr { lhs, rhs, .. }
            | Expr::ArithExpr { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            Expr::AssignExpr { op, lhs, rhs, .. } => {
                self.expr(rhs);
                match op {
                    AssignOp::ColEq => self.declare(lhs),
                    AssignOp::Eq => self.expr(lhs),
                }
            }
            Expr::Membership {
                key,
                value,
                collection,
                ..
            } => {
                if let Some(key) = key {
                    self.expr(key);
                }
                self.expr(value);
                self.expr(collection);
            }
        }
        self.leave();
    }

    fn refuse(&mut self, r: &Refused, line: usize) {
        self.found.push(Found {
            file: self.file,
            line,
            message: refused_message(r),
        });
    }

    /// A variable or a reference: records the data path it names, if any, and
    /// walks its dynamic parts. `called` for the function of a call.
    fn reference(&mut self, expr: &Expr, called: bool) {
        let chain = Chain::of(expr);
        for part in &chain.parts {
            if let Part::Index(index) = part {
                self.expr(index);
            }
        }
        let Some(root) = chain.root_var() else {
            self.expr(chain.root);
            return;
        };
        let local = self.locals.iter().any(|l| l == root);
        if !called && !local {
            // A builtin passed as a value (`with f as time.now_ns`) is called later.
            if let Some(r) = chain.dotted().and_then(|name| refused(&name)) {
                self.refuse(r, expr.span().line as usize);
            }
        }
        if local {
            return;
        }
        let fields = chain.static_fields();
        let path = match root {
            "data" => fields,
            "input" => return,
            _ => match self.imports.get(root) {
                Some(Some(target)) => target.iter().cloned().chain(fields).collect(),
                Some(None) => return,
                None => {
                    let mut path = self.package.to_vec();
                    path.push(root.to_string());
                    path.extend(fields);
                    path
                }
            },
        };
        self.refs.push(path);
    }
}

/// `{"time": ...}` has the key `time`.
fn object_has_key(expr: &Expr, key: &str) -> bool {
    let Expr::Object { fields, .. } = expr else {
        return false;
    };
    fields.iter().any(|(_, k, _)| match k.as_ref() {
        Expr::String { value, .. } | Expr::RawString { value, .. } => {
            value.as_string().is_ok_and(|s| s.as_ref() == key)
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn file(path: &str, text: &str) -> PolicyFile {
        PolicyFile {
            path: path.into(),
            text: Arc::from(text),
        }
    }

    /// `line: message` for each issue of one file `p.rego` in package closeout.demo.
    fn check(body: &str) -> Vec<String> {
        let text = format!("package closeout.demo\n\nimport rego.v1\n\n{body}");
        check_files(&[file("p.rego", &text)])
    }

    fn check_files(files: &[PolicyFile]) -> Vec<String> {
        check_modules(files)
            .into_iter()
            .map(|i| format!("{}:{}: {}", i.file, i.line, i.message))
            .collect()
    }

    fn dir_files(dir: &str) -> Vec<PolicyFile> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut files: Vec<PolicyFile> = walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.path().extension().is_some_and(|x| x == "rego"))
            .map(|e| {
                file(
                    &e.path().display().to_string(),
                    &std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        assert!(files.len() >= 2, "no policy under {dir}");
        files
    }

    #[test]
    fn bundled_policies_and_the_aws_example_have_no_issue() {
        assert_eq!(check_files(&dir_files("policies")), Vec::<String>::new());
        assert_eq!(
            check_files(&dir_files("docs/examples/aws")),
            Vec::<String>::new()
        );
    }

    const CLOCK_MSG: &str = "`time.now_ns` reads the clock: verdicts could not be reproduced from --now and the audit record; use data.closeout.context.now_ns";

    #[test]
    fn every_refused_builtin_is_reported_at_its_line() {
        for r in REFUSED {
            let args = match r.name {
                "time.now_ns" | "opa.runtime" => String::new(),
                _ => "input.a, input.b".to_string(),
            };
            let found = check(&format!("x := 1\n\ny := {}({args})\n", r.name));
            assert_eq!(
                found,
                vec![format!("p.rego:7: {}", refused_message(r))],
                "{}",
                r.name
            );
        }
        assert_eq!(
            check("now := time.now_ns()\n"),
            vec![format!("p.rego:5: {CLOCK_MSG}")]
        );
    }

    #[test]
    fn refused_builtins_are_found_in_every_position() {
        let cases = [
            "f(x) := y if {\n\ty := x + time.now_ns()\n}\n",
            "a if {\n\tinput.x\n} else := b if {\n\ttime.now_ns() > 0\n}\n",
            "s := {x | some x in input.xs; x > time.now_ns()}\n",
            "a if {\n\tsome x in [time.now_ns()]\n\tx\n}\n",
            "a if {\n\tevery x in input.xs {\n\t\tx < time.now_ns()\n\t}\n}\n",
            "a if {\n\tnot time.now_ns() > 0\n}\n",
            "a if {\n\tinput.x with input.y as time.now_ns()\n}\n",
            "a if {\n\tinput.x with input.y as time.now_ns\n}\n",
            "default a := false\n\na if {\n\tobject.get({\"k\": time.now_ns()}, \"k\", 0)\n}\n",
            "a contains time.now_ns() if true\n",
            "o := {k: v | some k in input.ks; v := [time.now_ns()][0]}\n",
        ];
        for case in cases {
            let found = check(case);
            assert_eq!(found.len(), 1, "{case}: {found:?}");
            assert!(found[0].ends_with(CLOCK_MSG), "{case}: {found:?}");
            let line = 4
                + case
                    .lines()
                    .position(|l| l.contains("time.now_ns"))
                    .unwrap()
                + 1;
            assert!(
                found[0].starts_with(&format!("p.rego:{line}: ")),
                "{case}: {found:?}"
            );
        }
    }

    #[test]
    fn deterministic_calls_and_replaced_clocks_pass() {
        let ok = [
            "a := time.parse_rfc3339_ns(\"2026-01-01T00:00:00Z\")\n",
            "b := uuid.parse(input.id)\n",
            "c := io.jwt.decode_verify(input.t, {\"cert\": input.k, \"time\": data.closeout.context.now_ns})\n",
            "d := crypto.x509.parse_and_verify_certificates_with_options(input.c, {\"CurrentTime\": 1})\n",
            "e if {\n\tinput.x with time.now_ns as 1\n}\n",
            "now_ns := data.closeout.context.now_ns\n",
            "f(time) := time.now_ns\n",
        ];
        for case in ok {
            assert_eq!(check(case), Vec::<String>::new(), "{case}");
        }
        // Without the time, the same calls read the clock.
        assert_eq!(
            check("c := io.jwt.decode_verify(input.t, {\"cert\": input.k})\n").len(),
            1
        );
        assert_eq!(
            check("c := io.jwt.decode_verify(input.t, input.constraints)\n").len(),
            1
        );
    }

    fn recursion(names: &str) -> String {
        format!(
            "recursion: {names}; OPA refuses recursive rules and closeout would overflow its stack"
        )
    }

    #[test]
    fn self_recursion_is_reported() {
        assert_eq!(
            check("f(x) := f(x)\n"),
            vec![format!("p.rego:5: {}", recursion("f -> f"))]
        );
        assert_eq!(
            check("a if a\n"),
            vec![format!("p.rego:5: {}", recursion("a -> a"))]
        );
        assert_eq!(
            check("n(x) := 1 if x == 0\n\nn(x) := n(x - 1) + 1 if x > 0\n"),
            vec![format!("p.rego:5: {}", recursion("n -> n"))]
        );
    }

    #[test]
    fn mutual_recursion_is_reported_once_at_its_first_rule() {
        assert_eq!(
            check("b if c\n\na if b\n\nc if a\n\nd if a\n"),
            vec![format!("p.rego:5: {}", recursion("b -> c -> a -> b"))]
        );
        assert_eq!(
            check("f(x) := g(x)\n\ng(x) := y if {\n\ty := f(x)\n}\n"),
            vec![format!("p.rego:5: {}", recursion("f -> g -> f"))]
        );
        // Through a function, an else branch, a comprehension and `every`.
        assert_eq!(
            check(
                "a if {\n\tinput.x\n} else := h(1)\n\nh(x) := [y | some y in s]\n\ns contains z if {\n\tevery z in input.zs {\n\t\ta\n\t}\n}\n"
            ),
            vec![format!("p.rego:5: {}", recursion("a -> h -> s -> a"))]
        );
    }

    #[test]
    fn recursion_across_packages_is_reported_with_full_paths() {
        let a = file(
            "a.rego",
            "package closeout.a\n\nimport rego.v1\n\nx if data.closeout.b.y\n",
        );
        let b = file(
            "b.rego",
            "package closeout.b\n\nimport rego.v1\n\nimport data.closeout.a as other\n\ny if other.x\n",
        );
        assert_eq!(
            check_files(&[a.clone(), b.clone()]),
            vec![format!(
                "a.rego:5: {}",
                recursion("data.closeout.a.x -> data.closeout.b.y -> data.closeout.a.x")
            )]
        );
        // The whole package counts as a reference to each of its rules.
        let c = file(
            "c.rego",
            "package closeout.c\n\nimport rego.v1\n\nall := data.closeout.c\n",
        );
        assert_eq!(
            check_files(&[c]),
            vec![format!("c.rego:5: {}", recursion("all -> all"))]
        );
    }

    #[test]
    fn locals_shadow_rules_and_shared_helpers_are_no_cycle() {
        let ok = [
            // Parameters, `some`, `:=`, `some ... in`, `every`, comprehensions.
            "x := 1\n\nf(x) := x + 1\n",
            "x := 1\n\ng(y) := z if {\n\tsome x\n\tz := input.a[x]\n\tz == y\n}\n",
            "x := 1\n\nx2 := v if {\n\tx := 2\n\tv := x\n}\n",
            "x := 1\n\ns contains x if {\n\tsome x in input.xs\n}\n",
            "x := 1\n\nt if {\n\tevery x in input.xs {\n\t\tx > 0\n\t}\n}\n",
            "x := 1\n\nc := [x | some x in input.xs]\n",
            "x := 1\n\nd := {x: 1 | some x in input.xs}\n",
            "x := 1\n\ne(x, [a, b]) := a + b + x\n",
            // Object keys and field accesses are not references.
            "id := 1\n\nname := {\"id\": input.r.name}\n",
            "name := 1\n\nn := input.r.name\n",
            // A helper used by two rules is no cycle.
            "h(x) := x * 2\n\na := h(1)\n\nb := h(a)\n",
        ];
        for case in ok {
            assert_eq!(check(case), Vec::<String>::new(), "{case}");
        }
        // Declared in one body, not in the next: there the rule is referred to.
        assert_eq!(
            check("x if {\n\tx := 2\n\tx > 1\n}\n\nx if {\n\tx\n}\n").len(),
            1
        );
        // Recursion through a shadowing name's rhs: `x := x` reads the rule x.
        assert_eq!(check("x := v if {\n\tv := x\n}\n").len(), 1);
    }

    #[test]
    fn the_graph_sees_the_references_of_the_bundled_tests() {
        // Not vacuous: the tests of each pack refer to its deny rules.
        let files = dir_files("policies");
        let mut graph = Graph::default();
        let mut parsed = Vec::new();
        for (i, f) in files.iter().enumerate() {
            let source = Source::from_contents(f.path.clone(), f.text.to_string()).unwrap();
            let module = Parser::new(&source).unwrap().parse().unwrap();
            graph.add_rules(i, &module);
            parsed.push((i, module));
        }
        let mut refs = Vec::new();
        let mut found = Vec::new();
        for (i, module) in &parsed {
            assert!(!walk_module(*i, module, &graph, &mut refs, &mut found));
        }
        for (from, path) in refs {
            graph.link(from, &path);
        }
        let deny = graph.index[&vec![
            "closeout".to_string(),
            "sipstation".to_string(),
            "deny".to_string(),
        ]];
        let users = graph.edges.iter().filter(|e| e.contains(&deny)).count();
        assert!(users >= 5, "{users} rules depend on sipstation's deny");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_deep_expression_is_an_issue_not_a_crash() {
        // Deeper than MAX_DEPTH, yet shallow enough for the consistency check
        // regorus's parser runs on its tree in debug builds, itself recursive.
        let mut text = String::from("package closeout.demo\n\nimport rego.v1\n\nx := 0");
        for k in 0..1_000 {
            text.push_str(if k % 40 == 0 { "\n\t+ 1" } else { " + 1" });
        }
        text.push('\n');
        let found = check_files(&[file("deep.rego", &text)]);
        assert_eq!(
            found,
            vec![format!(
                "deep.rego:5: expression nested too deeply (over {MAX_DEPTH} levels): closeout cannot check it; split it into smaller rules"
            )]
        );
    }

    #[test]
    fn brackets_and_signs_past_the_parsers_limits_are_issues() {
        let nested = |n: usize| format!("x := {}1{}\n", "[".repeat(n), "]".repeat(n));
        assert_eq!(check(&nested(MAX_NESTING)), Vec::<String>::new());
        let message = format!(
            "expression nested too deeply (over {MAX_NESTING} brackets or minus signs): regorus's parser would take exponential time or overflow its stack; name the inner values"
        );
        assert_eq!(
            check(&nested(MAX_NESTING + 1)),
            vec![format!("p.rego:5: {message}")]
        );
        // Nested objects, calls and sets count alike; so do signs, on any line.
        let objects = format!(
            "x := 1\n\ny := {}1{}\n",
            "{\"a\": ".repeat(20),
            "}".repeat(20)
        );
        assert_eq!(check(&objects), vec![format!("p.rego:7: {message}")]);
        let calls = format!("x := {}1{}\n", "abs(".repeat(13), ")".repeat(13));
        assert_eq!(check(&calls).len(), 1);
        let signs = format!("x := 1\n\ny := {}\n\t1\n", "- ".repeat(13));
        assert_eq!(check(&signs), vec![format!("p.rego:7: {message}")]);
        assert_eq!(check("y := 1 - -1\n"), Vec::<String>::new());
        // Brackets in strings and comments are not nesting.
        let quoted = format!("# {}\ns := \"{}\"\n", "[".repeat(40), "{".repeat(40));
        assert_eq!(check(&quoted), Vec::<String>::new());
    }

    #[test]
    fn unparsable_files_are_left_to_the_engine() {
        assert_eq!(check("x := \n"), Vec::<String>::new());
    }
}
