//! Evaluation: one regorus engine, prepared once with every policy and the run's
//! context, then fed one snapshot at a time (`set_input`, evaluate the snapshot's
//! packages). Cloning or re-parsing per snapshot would cost more than evaluating.
//!
//! Two evaluators run the same policies. The bytecode VM (regorus's RVM: the
//! policies compiled once into one program whose entry points are every
//! package's `deny`, `warn` and `info`) is the default; it is about twice as
//! fast. The tree-walking interpreter is the reference: `closeout test` runs
//! every fixture through both and fails when they disagree, because the VM of
//! regorus 0.14 binds an undefined value where Rego says the statement fails
//! (`x := f(k)` with `f(k)` undefined; see docs/policy-authoring.md).

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::time::Duration;

use serde::Deserialize;

use crate::input::Snapshot;
use crate::model::RawFinding;
use crate::model::{ErrorKind, InputError, Package};
use crate::policy::{PolicyError, PolicySet};

/// What every evaluation of a run shares: the time and the limits.
#[derive(Debug, Clone)]
pub struct Context {
    /// RFC 3339, as given with `--now` or read from the clock.
    pub now: String,
    pub now_ns: i64,
    /// GEN-001: how old an export may be.
    pub max_export_age_days: u32,
    /// Extra data from closeout.toml's `[defaults.data]`, at `data.closeout.config`.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// What one rule may spend on one snapshot.
    pub limits: Limits,
}

/// Bounds on evaluating one rule (`deny`, `warn` or `info` of one package) for
/// one snapshot. Only a runaway policy reaches them: the bundled policies are
/// linear in the size of the snapshot and spend a small fraction of each.
/// Reaching one is an error for that snapshot, never a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// VM instructions: [`Limits::BASE_INSTRUCTIONS`] plus this many for each
    /// value (object, array, string, number...) in the snapshot, so the budget
    /// grows with the account.
    pub instructions_per_value: u64,
    /// Wall-clock time, both engines.
    pub timeout: Duration,
    /// Memory the whole process may hold while a rule runs, both engines.
    pub memory_bytes: u64,
}

impl Limits {
    /// What every rule may spend, however small the snapshot.
    pub const BASE_INSTRUCTIONS: u64 = 1_000_000;

    /// The instruction budget for a snapshot of `values` values.
    pub fn instructions_for(&self, values: u64) -> u64 {
        Self::BASE_INSTRUCTIONS.saturating_add(self.instructions_per_value.saturating_mul(values))
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            instructions_per_value: 2_000,
            timeout: Duration::from_secs(30),
            memory_bytes: 4 << 30,
        }
    }
}

impl Context {
    /// Parses an RFC 3339 time.
    pub fn at(now: &str, max_export_age_days: u32) -> Result<Context, String> {
        let time = chrono::DateTime::parse_from_rfc3339(now).map_err(|e| {
            format!("`{now}` is not an RFC 3339 time ({e}); e.g. 2026-11-21T00:00:00Z")
        })?;
        let now_ns = time
            .timestamp_nanos_opt()
            .ok_or_else(|| format!("`{now}` is out of range"))?;
        Ok(Context {
            now: time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            now_ns,
            max_export_age_days,
            config: serde_json::Map::new(),
            limits: Limits::default(),
        })
    }

    /// This context at another time: same limits, data and export age.
    pub fn at_time(&self, now: &str) -> Result<Context, String> {
        let at = Context::at(now, self.max_export_age_days)?;
        Ok(Context {
            config: self.config.clone(),
            limits: self.limits,
            ..at
        })
    }

    /// The real clock.
    pub fn now(max_export_age_days: u32) -> Context {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        Context::at(&now, max_export_age_days).expect("the clock gives RFC 3339")
    }

    pub(crate) fn as_data(&self) -> serde_json::Value {
        serde_json::json!({
            "closeout": {
                "context": {
                    "now": self.now,
                    "now_ns": self.now_ns,
                    "max_export_age_days": self.max_export_age_days,
                },
                "config": self.config,
            }
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleOutput {
    id: String,
    msg: String,
    pointer: String,
}

/// Which of regorus's evaluators runs the policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum EngineKind {
    /// The bytecode VM: the policies compiled once, then executed per snapshot.
    #[default]
    Vm,
    /// The tree-walking interpreter: the reference the VM is checked against.
    Interpreter,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why evaluating a rule stopped.
#[derive(Debug, Clone, PartialEq)]
enum Failure {
    Instructions {
        limit: u64,
    },
    Time {
        limit: Duration,
    },
    Memory {
        limit: u64,
    },
    /// A builtin error, a conflict, a type error: regorus's own message.
    Other(String),
}

impl Failure {
    fn from_vm(error: &regorus::rvm::vm::VmError) -> Failure {
        use regorus::rvm::vm::VmError;
        match error {
            VmError::InstructionLimitExceeded { limit, .. } => Failure::Instructions {
                limit: *limit as u64,
            },
            VmError::TimeLimitExceeded { limit, .. } => Failure::Time { limit: *limit },
            VmError::MemoryLimitExceeded { limit, .. } => Failure::Memory { limit: *limit },
            VmError::MemoryBudgetExceeded { budget, .. } => Failure::Memory { limit: *budget },
            other => Failure::Other(other.to_string()),
        }
    }

    fn from_interpreter(error: &(dyn std::error::Error + 'static)) -> Failure {
        let mut cause = Some(error);
        while let Some(e) = cause {
            match e.downcast_ref::<regorus::LimitError>() {
                Some(regorus::LimitError::TimeLimitExceeded { limit, .. }) => {
                    return Failure::Time { limit: *limit }
                }
                Some(regorus::LimitError::MemoryLimitExceeded { limit, .. }) => {
                    return Failure::Memory { limit: *limit }
                }
                _ => cause = e.source(),
            }
        }
        Failure::Other(error.to_string())
    }

    /// What went wrong and what to do, after "RULE failed: ".
    fn describe(&self, limits: &Limits, values: u64) -> String {
        let runaway = "only a runaway rule (an unbounded loop, a huge range, a cross product of \
                       large collections) spends that much";
        match self {
            Failure::Instructions { limit } => format!(
                "it stopped at the instruction limit of {limit} ({} + {} per value \
                 x {values} values in this snapshot): {runaway}. Fix the policy, or raise \
                 --max-instructions-per-value (now {})",
                Limits::BASE_INSTRUCTIONS,
                limits.instructions_per_value,
                limits.instructions_per_value
            ),
            Failure::Time { limit } => format!(
                "it ran past the time limit of {} s: {runaway}. Fix the policy, or raise \
                 --eval-timeout",
                limit.as_secs_f64()
            ),
            Failure::Memory { limit } => format!(
                "closeout reached its memory limit of {} MiB while it ran: {runaway}. \
                 Fix the policy, or raise --eval-memory",
                limit >> 20
            ),
            Failure::Other(message) => message.trim().to_string(),
        }
    }
}

/// The policies compiled for the VM, with the data they read.
struct Compiled {
    program: std::sync::Arc<regorus::rvm::program::Program>,
    data: regorus::Value,
}

/// A prepared engine. Clone it once per worker thread, not per snapshot.
pub struct Evaluator {
    engine: regorus::Engine,
    policies: PolicySet,
    limits: Limits,
    /// Every rule to evaluate, per package: `(rule, "data.<package>.<rule>")`.
    paths: BTreeMap<Package, Vec<(String, String)>>,
    compiled: Option<std::sync::Arc<Compiled>>,
    /// This clone's VM, loaded with the shared program.
    vm: Option<regorus::rvm::RegoVM>,
}

impl Clone for Evaluator {
    /// A worker's evaluator. With the VM it compiles its own program (~3 ms):
    /// regorus values share atomic reference counts, and two threads bumping
    /// the counts of one program's constants on every snapshot ran 30% slower
    /// than two processes.
    fn clone(&self) -> Self {
        let mut clone = Evaluator {
            engine: self.engine.clone(),
            policies: self.policies.clone(),
            limits: self.limits,
            paths: self.paths.clone(),
            compiled: None,
            vm: None,
        };
        if let Some(shared) = &self.compiled {
            // Compiling succeeded once on this engine; should it fail now, the
            // shared program still gives the same results, only slower.
            let own = clone
                .compile()
                .map(std::sync::Arc::new)
                .unwrap_or_else(|_| std::sync::Arc::clone(shared));
            clone.vm = Some(load_vm(&own, &clone.limits));
            clone.compiled = Some(own);
        }
        clone
    }
}

/// The run's data document (`data.closeout.context`, `.config`, `.reads`)
/// added to an interpreter engine: what every evaluation and the Rego tests
/// see.
pub(crate) fn add_run_data(
    engine: &mut regorus::Engine,
    policies: &PolicySet,
    context: &Context,
) -> Result<(), PolicyError> {
    let mut data = context.as_data();
    data["closeout"]["reads"] = policies.reads();
    regorus::Value::from_json_str(&data.to_string())
        .and_then(|d| engine.add_data(d))
        .map_err(|e| PolicyError::Rego {
            file: "<context>".into(),
            message: e.to_string(),
        })
}

fn load_vm(compiled: &Compiled, limits: &Limits) -> regorus::rvm::RegoVM {
    let mut vm = regorus::rvm::RegoVM::new();
    vm.load_program(std::sync::Arc::clone(&compiled.program));
    // The data was accepted when the VM was first loaded (in `Evaluator::new`).
    let _ = vm.set_data(compiled.data.clone());
    // A builtin that fails (to_number("abc"), a date out of range) is an error
    // for the snapshot, never an undefined value that lets a rule not fire.
    vm.set_strict_builtin_errors(true);
    vm.set_execution_timer_config(Some(timer(limits)));
    vm.set_max_instructions(usize::try_from(limits.instructions_for(0)).unwrap_or(usize::MAX));
    vm
}

fn timer(limits: &Limits) -> regorus::utils::limits::ExecutionTimerConfig {
    regorus::utils::limits::ExecutionTimerConfig {
        limit: limits.timeout,
        check_interval: NonZeroU32::new(64).expect("64 is not zero"),
    }
}

impl Evaluator {
    /// Compiles every policy and the context for the default engine (the VM);
    /// surfaces broken Rego here, once.
    pub fn new(policies: PolicySet, context: &Context) -> Result<Evaluator, PolicyError> {
        Evaluator::with_engine(policies, context, EngineKind::default())
    }

    /// Compiles every policy and the context for `kind`.
    pub fn with_engine(
        policies: PolicySet,
        context: &Context,
        kind: EngineKind,
    ) -> Result<Evaluator, PolicyError> {
        let mut engine = regorus::Engine::new();
        engine.set_strict_builtin_errors(true);
        engine.set_execution_timer_config(timer(&context.limits));
        // Process-wide, checked by both engines as they allocate: a rule that
        // builds a huge value stops with an error instead of aborting closeout.
        regorus::set_global_memory_limit(Some(context.limits.memory_bytes));
        for file in &policies.modules {
            engine
                .add_policy(file.path.clone(), file.text.to_string())
                .map_err(|e| PolicyError::Rego {
                    file: file.path.clone(),
                    message: e.to_string(),
                })?;
        }
        add_run_data(&mut engine, &policies, context)?;
        let paths: BTreeMap<Package, Vec<(String, String)>> = policies
            .rules
            .iter()
            .map(|(package, rules)| {
                let paths = rules
                    .iter()
                    .map(|rule| (rule.to_string(), package.rule_query(rule)))
                    .collect();
                (package.clone(), paths)
            })
            .collect();
        let mut evaluator = Evaluator {
            engine,
            policies,
            limits: context.limits,
            paths,
            compiled: None,
            vm: None,
        };
        if kind == EngineKind::Vm {
            let compiled = evaluator.compile()?;
            evaluator.vm = Some(load_vm(&compiled, &context.limits));
            evaluator.compiled = Some(std::sync::Arc::new(compiled));
        }
        // Evaluate every rule once on an empty input: an undefined function or a
        // bad reference fails now, at load time, not on the thousandth snapshot.
        let empty = regorus::Value::new_object();
        for (package, paths) in &evaluator.paths.clone() {
            evaluator.set_input(empty.clone());
            for (_, path) in paths {
                evaluator
                    .eval_path(path, 0)
                    .map_err(|failure| PolicyError::Evaluation {
                        file: package_file(&evaluator.policies, package),
                        message: format!(
                            "{path} failed: {}",
                            failure.describe(&evaluator.limits, 0)
                        ),
                    })?;
            }
        }
        Ok(evaluator)
    }

    /// Compiles every package's rules into one VM program, one entry point each.
    fn compile(&mut self) -> Result<Compiled, PolicyError> {
        let entries: Vec<&str> = self
            .paths
            .values()
            .flatten()
            .map(|(_, path)| path.as_str())
            .collect();
        let failed = |message: String| PolicyError::Rego {
            file: "<bytecode VM>".into(),
            message: format!(
                "cannot compile the policies for the VM ({message}); run with --engine interpreter"
            ),
        };
        let Some(first) = entries.first() else {
            return Err(failed("no rule to compile".into()));
        };
        let policy = self
            .engine
            .compile_with_entrypoint(&regorus::Rc::from(*first))
            .map_err(|e| failed(e.to_string()))?;
        let program =
            regorus::languages::rego::compiler::Compiler::compile_from_policy(&policy, &entries)
                .map_err(|e| failed(e.to_string()))?;
        // A deep copy, for the same reason as the program (see `clone`).
        let data = self
            .engine
            .get_data()
            .to_json_str()
            .and_then(|json| regorus::Value::from_json_str(&json))
            .map_err(|e| failed(e.to_string()))?;
        regorus::rvm::RegoVM::new()
            .set_data(data.clone())
            .map_err(|e| failed(e.to_string()))?;
        Ok(Compiled { program, data })
    }

    /// Moves the evaluator to another context's time, export age and
    /// `[defaults.data]` without compiling again: only the data the policies
    /// read changes (a service decides each request at its own time). The
    /// limits stay those it was built with.
    pub fn set_context(&mut self, context: &Context) -> Result<(), PolicyError> {
        fn failed(e: impl std::fmt::Display) -> PolicyError {
            PolicyError::Rego {
                file: "<context>".into(),
                message: e.to_string(),
            }
        }
        let mut data = context.as_data();
        data["closeout"]["reads"] = self.policies.reads();
        let value = regorus::Value::from_json_str(&data.to_string()).map_err(failed)?;
        // The engine too, so that a clone made later compiles the same data.
        self.engine.clear_data();
        self.engine.add_data(value.clone()).map_err(failed)?;
        if let Some(vm) = &mut self.vm {
            vm.set_data(value).map_err(failed)?;
        }
        Ok(())
    }

    /// Which engine this evaluator runs.
    pub fn engine(&self) -> EngineKind {
        if self.vm.is_some() {
            EngineKind::Vm
        } else {
            EngineKind::Interpreter
        }
    }

    fn set_input(&mut self, input: regorus::Value) {
        match &mut self.vm {
            Some(vm) => vm.set_input(input),
            None => self.engine.set_input(input),
        }
    }

    /// Evaluates one rule, `data.<package>.<rule>`, on the current input of
    /// `values` values.
    fn eval_path(&mut self, path: &str, values: u64) -> Result<regorus::Value, Failure> {
        match &mut self.vm {
            Some(vm) => {
                let budget = self.limits.instructions_for(values);
                vm.set_max_instructions(usize::try_from(budget).unwrap_or(usize::MAX));
                vm.execute_entry_point_by_name(path)
                    .map_err(|e| Failure::from_vm(&e))
            }
            None => self
                .engine
                .eval_rule(path.to_string())
                .map_err(|e| Failure::from_interpreter(e.as_ref())),
        }
    }

    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }

    /// The packages that apply to a provider: its own and the common one.
    fn packages_for(&self, provider: &str) -> Option<Vec<Package>> {
        let own = Package::of(provider);
        if Package::is_common_name(provider) || !self.policies.rules.contains_key(&own) {
            return None;
        }
        let mut packages = vec![own];
        let common = Package::common();
        if self.policies.rules.contains_key(&common) {
            packages.insert(0, common);
        }
        Some(packages)
    }

    /// Evaluates one snapshot against its provider's package and the common one.
    pub fn evaluate(&mut self, snapshot: &Snapshot) -> Result<Vec<RawFinding>, Box<InputError>> {
        let error = |kind: ErrorKind, message: String| {
            let mut e = InputError::new(&snapshot.source, kind, message);
            e.snapshot_id = Some(snapshot.snapshot_id.clone());
            e.provider = Some(snapshot.provider.clone());
            e
        };
        let Some(packages) = self.packages_for(&snapshot.provider) else {
            let served = self.policies.providers().join(", ");
            let message = format!(
                "no policy pack serves provider \"{}\" (packs loaded for: {served}); add one with --policy DIR",
                snapshot.provider
            );
            return Err(Box::new(
                error(ErrorKind::UnknownProvider, message).at_pointer(&snapshot.text, "/provider"),
            ));
        };
        let mut values = 0;
        let input = engine_value(&snapshot.document, &mut values);
        self.set_input(input);
        let mut findings = Vec::new();
        let paths = std::mem::take(&mut self.paths);
        let outcome = packages.iter().try_for_each(|package| {
            paths[package].iter().try_for_each(|(rule, path)| {
                let value = self.eval_path(path, values).map_err(|failure| {
                    let file = package_file(&self.policies, package);
                    format!(
                        "{path} ({file}) failed on this snapshot: {}",
                        failure.describe(&self.limits, values)
                    )
                })?;
                self.collect(path, rule, value, &mut findings)
            })
        });
        self.paths = paths;
        outcome.map_err(|message| Box::new(error(ErrorKind::Policy, message)))?;
        Ok(findings)
    }

    fn collect(
        &self,
        path: &str,
        rule: &str,
        value: regorus::Value,
        out: &mut Vec<RawFinding>,
    ) -> Result<(), String> {
        if value == regorus::Value::Undefined {
            return Ok(());
        }
        let set = value.as_set().map_err(|_| {
            format!("{path} must be a set of findings (`{rule} contains finding if ...`)")
        })?;
        for item in set.iter() {
            let json = item.to_json_str().unwrap_or_default();
            let output: RuleOutput = serde_json::from_str(&json).map_err(|e| {
                format!(
                    "{path} returned {json}, not a finding {{\"id\", \"msg\", \"pointer\"}}: {e}"
                )
            })?;
            let condition = self.policies.catalogue.get(&output.id).ok_or_else(|| {
                format!(
                    "{path} returned a finding with id {}, which no annotation declares",
                    output.id
                )
            })?;
            if condition.kind.rule_name() != rule {
                return Err(format!(
                    "{path} returned {}, a condition of kind {}",
                    output.id,
                    condition.kind.as_str()
                ));
            }
            if !(output.pointer.is_empty() || output.pointer.starts_with('/')) {
                return Err(format!(
                    "{path} returned {} with pointer `{}`, which is not an RFC 6901 JSON pointer",
                    output.id, output.pointer
                ));
            }
            out.push(RawFinding {
                id: output.id,
                kind: condition.kind,
                message: output.msg,
                pointer: output.pointer,
            });
        }
        Ok(())
    }
}

/// The snapshot as the engine's value, built directly from the parsed JSON.
/// It gives what `regorus::Value::deserialize` would, without serde's visitor
/// round trip: members arrive sorted, so each object is built in one pass.
///
/// `null` members of objects are left out: the contract says an optional field
/// that is `null` means the same as an absent one, so no policy has to tell the
/// two apart. `values` counts the values converted (the instruction budget).
fn engine_value(json: &serde_json::Value, values: &mut u64) -> regorus::Value {
    use serde_json::Value as Json;
    *values += 1;
    match json {
        Json::Null => regorus::Value::Null,
        Json::Bool(b) => regorus::Value::from(*b),
        Json::Number(n) => {
            if let Some(u) = n.as_u64() {
                regorus::Value::from(u)
            } else if let Some(i) = n.as_i64() {
                regorus::Value::from(i)
            } else {
                regorus::Value::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Json::String(s) => regorus::Value::from(s.as_str()),
        Json::Array(items) => regorus::Value::from(
            items
                .iter()
                .map(|item| engine_value(item, values))
                .collect::<Vec<_>>(),
        ),
        Json::Object(members) => regorus::Value::from(
            members
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (regorus::Value::from(k.as_str()), engine_value(v, values)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn package_file(policies: &PolicySet, package: &Package) -> String {
    policies
        .catalogue
        .iter()
        .find(|c| c.package == *package)
        .map_or_else(|| package.to_string(), |c| c.file.clone())
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("engine", &self.engine())
            .field("conditions", &self.policies.catalogue.len())
            .finish_non_exhaustive()
    }
}
