//! Stack frames, and which of them is the team's own code rather than the runtime's or a dependency's.

use std::fmt;

use serde::Serialize;

/// The language runtime that wrote an error; it decides how frames are read and which ones are "ours".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    Python,
    Node,
    Java,
    Go,
    DotNet,
    Ruby,
    #[default]
    Unknown,
}

/// One line of a stack trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Frame {
    /// As logged, minus a `file://` scheme: `/var/task/orders/parse.py`, `Handler.java`, `/src/Orders/Function.cs`.
    pub file: String,
    pub line: Option<u32>,
    pub function: Option<String>,
    /// The team's code, not the runtime, the standard library, a layer or a dependency.
    pub in_app: bool,
}

impl Frame {
    pub fn new(runtime: Runtime, file: impl Into<String>, line: Option<u32>, function: Option<String>) -> Frame {
        let file = file.into();
        let in_app = is_in_app(runtime, &file, function.as_deref());
        Frame { file, line, function, in_app }
    }

    /// The file relative to the function's code root, as a developer would name it: `orders/parse.py`.
    pub fn path(&self) -> &str {
        self.file.strip_prefix(TASK_ROOT).unwrap_or(&self.file)
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path();
        match (path.is_empty(), &self.function) {
            (true, Some(function)) => return write!(f, "{function}"),
            (true, None) => return write!(f, "<unknown>"),
            _ => write!(f, "{path}")?,
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        match &self.function {
            Some(function) => write!(f, " in {function}"),
            None => Ok(()),
        }
    }
}

/// The innermost frame of the team's own code. `frames` are innermost first, as every parser here stores them
/// (Python's tracebacks, printed innermost last, are reversed when read).
pub fn in_app_frame(frames: &[Frame]) -> Option<&Frame> {
    frames.iter().find(|frame| frame.in_app)
}

/// Where Lambda unpacks the deployment package (and where container images are expected to put it).
const TASK_ROOT: &str = "/var/task/";

fn is_in_app(runtime: Runtime, file: &str, function: Option<&str>) -> bool {
    match runtime {
        Runtime::Java => function.is_some_and(|f| !starts_with_any(f, JAVA_LIBRARIES)),
        Runtime::DotNet => function.is_some_and(|f| !starts_with_any(f, DOTNET_LIBRARIES)),
        Runtime::Go => go_in_app(file, function.unwrap_or_default()),
        Runtime::Python => path_in_app(file) && !vendored_python(file),
        Runtime::Node | Runtime::Ruby | Runtime::Unknown => path_in_app(file),
    }
}

fn starts_with_any(text: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|prefix| text.starts_with(prefix))
}

fn contains_any(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|needle| text.contains(needle))
}

/// The runtime itself, language standard libraries and engine internals.
const RUNTIME_PATHS: &[&str] = &["/var/runtime/", "/var/lang/", "/usr/lib/", "/usr/local/lib/"];
/// `<frozen importlib._bootstrap>`, `<anonymous>`, Ruby's `<internal:kernel>`: code with no file of its own.
const RUNTIME_PREFIXES: &[&str] = &["node:", "internal/", "<"];
const DEPENDENCY_MARKERS: &[&str] =
    &["site-packages/", "dist-packages/", "node_modules/", "/vendor/", "vendor/bundle/", "gems/", ".venv/", "/venv/"];
/// Where layers land: `/opt/python`, `/opt/nodejs`… Anything else under `/opt` is a container image's own code.
const LAYER_ROOTS: &[&str] = &[
    "/opt/python/",
    "/opt/nodejs/",
    "/opt/ruby/",
    "/opt/java/",
    "/opt/lib/",
    "/opt/bin/",
    "/opt/extensions/",
    "/opt/dotnetcore/",
];

fn path_in_app(file: &str) -> bool {
    !file.is_empty()
        && !contains_any(file, RUNTIME_PATHS)
        && !starts_with_any(file, RUNTIME_PREFIXES)
        && !contains_any(file, DEPENDENCY_MARKERS)
        && !starts_with_any(file, LAYER_ROOTS)
}

/// `pip install -t .` puts dependencies straight into `/var/task`, next to the handler; these are the ones that
/// show up in Lambda tracebacks, so a frame in `/var/task/botocore/…` is not blamed on the team.
const VENDORED_PYTHON: &[&str] = &[
    "boto3",
    "botocore",
    "s3transfer",
    "urllib3",
    "requests",
    "certifi",
    "charset_normalizer",
    "idna",
    "dateutil",
    "jmespath",
    "six",
    "pydantic",
    "pydantic_core",
    "aws_lambda_powertools",
    "aws_xray_sdk",
    "sqlalchemy",
    "psycopg2",
    "pymysql",
    "jwt",
    "yaml",
    "simplejson",
    "typing_extensions",
    "attr",
    "attrs",
    "httpx",
    "httpcore",
    "anyio",
    "sentry_sdk",
    "datadog_lambda",
    "ddtrace",
];

fn vendored_python(file: &str) -> bool {
    let Some(relative) = file.strip_prefix(TASK_ROOT) else { return false };
    let first = relative.split('/').next().unwrap_or_default();
    let module = first.strip_suffix(".py").unwrap_or(first);
    VENDORED_PYTHON.contains(&module)
}

/// Packages of the JDK, the Lambda Java runtime, JVM languages and the libraries most Lambda functions pull in.
const JAVA_LIBRARIES: &[&str] = &[
    "java.",
    "javax.",
    "jdk.",
    "sun.",
    "com.sun.",
    "jakarta.",
    "kotlin.",
    "kotlinx.",
    "scala.",
    "groovy.",
    "lambdainternal.",
    "com.amazonaws.",
    "software.amazon.",
    "org.apache.",
    "org.springframework.",
    "com.fasterxml.",
    "com.google.",
    "io.netty.",
    "reactor.",
    "org.slf4j.",
    "ch.qos.",
    "org.hibernate.",
    "io.micronaut.",
    "io.quarkus.",
    "okhttp3.",
    "okio.",
    "org.json.",
    "org.postgresql.",
    "com.mysql.",
    "com.zaxxer.",
];

/// The .NET base library, the Lambda .NET runtime and AWS SDK (`Amazon.*`), generated handler glue and common
/// libraries.
const DOTNET_LIBRARIES: &[&str] = &[
    "System.",
    "Microsoft.",
    "Amazon.",
    "AWS.Lambda.Powertools.",
    "Internal.",
    "Interop.",
    "lambda_method",
    "Newtonsoft.",
    "Npgsql.",
    "Dapper.",
    "Polly.",
];

/// Top-level packages of the Go standard library: a frame in one of them is never the team's code.
const GO_STD: &[&str] = &[
    "archive",
    "bufio",
    "builtin",
    "bytes",
    "cmp",
    "compress",
    "container",
    "context",
    "crypto",
    "database",
    "debug",
    "embed",
    "encoding",
    "errors",
    "expvar",
    "flag",
    "fmt",
    "go",
    "hash",
    "html",
    "image",
    "index",
    "internal",
    "io",
    "iter",
    "log",
    "maps",
    "math",
    "mime",
    "net",
    "os",
    "path",
    "plugin",
    "reflect",
    "regexp",
    "runtime",
    "slices",
    "sort",
    "strconv",
    "strings",
    "sync",
    "syscall",
    "testing",
    "text",
    "time",
    "unicode",
    "unique",
    "unsafe",
    "weak",
];

fn go_in_app(file: &str, function: &str) -> bool {
    let dependency = file.contains("/pkg/mod/") || file.contains("/vendor/") || has_module_version(file);
    let lambda_library = file.contains("aws-lambda-go") || function.starts_with("github.com/aws/aws-lambda-go");
    let std = go_package(function).or_else(|| go_source_package(file)).is_some_and(is_go_std);
    !file.is_empty() && !dependency && !lambda_library && !std
}

/// `github.com/aws/aws-lambda-go@v1.41.0/…`: a module path with a version is always a dependency.
fn has_module_version(file: &str) -> bool {
    file.match_indices("@v").any(|(i, _)| file[i + 2..].starts_with(|c: char| c.is_ascii_digit()))
}

/// `encoding/json.(*decodeState).object` → `encoding/json`; a bare label such as `handler` has no package.
fn go_package(function: &str) -> Option<&str> {
    let after_slash = function.rfind('/').map_or(0, |i| i + 1);
    let dot = function[after_slash..].find('.')? + after_slash;
    Some(&function[..dot])
}

/// The package a source path belongs to: relative (`runtime/panic.go`, as `-trimpath` and the Go runtime's JSON
/// error write them) or under a GOROOT (`/usr/local/go/src/runtime/panic.go`).
fn go_source_package(file: &str) -> Option<&str> {
    match file.rfind("/src/") {
        Some(i) => Some(&file[i + "/src/".len()..]),
        None if !file.starts_with('/') => Some(file),
        None => None,
    }
}

fn is_go_std(package: &str) -> bool {
    let first = package.split('/').next().unwrap_or_default();
    GO_STD.contains(&first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(runtime: Runtime, file: &str, function: &str) -> Frame {
        Frame::new(runtime, file, Some(1), Some(function.to_string()))
    }

    #[test]
    fn a_frame_displays_relative_to_the_task_root() {
        let frame = Frame::new(Runtime::Python, "/var/task/orders/parse.py", Some(88), Some("parse_line".into()));

        assert_eq!(frame.to_string(), "orders/parse.py:88 in parse_line");
    }

    #[test]
    fn a_frame_without_a_file_displays_its_function() {
        let frame = Frame::new(Runtime::Java, "", None, Some("com.acme.Handler.run".into()));

        assert_eq!(frame.to_string(), "com.acme.Handler.run");
    }

    #[test]
    fn runtime_and_dependency_paths_are_not_the_teams_code() {
        for file in [
            "/var/runtime/bootstrap.py",
            "/var/lang/lib/python3.12/json/decoder.py",
            "/var/task/node_modules/axios/lib/core/settle.js",
            "/opt/python/lib/python3.12/site-packages/requests/api.py",
            "/opt/python/aws_lambda_powertools/logging/logger.py",
            "node:internal/process/task_queues",
            "/var/task/vendor/bundle/ruby/3.2.0/gems/aws-sdk-core-3.1/lib/seahorse.rb",
            "/var/task/botocore/client.py",
        ] {
            assert!(!frame(Runtime::Python, file, "f").in_app, "{file} should not be in-app");
        }
    }

    #[test]
    fn code_in_the_task_root_or_a_container_app_dir_is_the_teams() {
        assert!(frame(Runtime::Python, "/var/task/orders/parse.py", "f").in_app);
        assert!(frame(Runtime::Node, "/var/task/index.mjs", "f").in_app);
        assert!(frame(Runtime::Python, "/opt/app/handler.py", "f").in_app);
    }

    #[test]
    fn java_and_dotnet_frames_are_judged_by_their_namespace() {
        assert!(frame(Runtime::Java, "Handler.java", "com.acme.orders.Handler.handleRequest").in_app);
        assert!(!frame(Runtime::Java, "Integer.java", "java.lang.Integer.parseInt").in_app);
        assert!(!frame(Runtime::Java, "", "com.fasterxml.jackson.databind.ObjectMapper.readValue").in_app);
        assert!(frame(Runtime::DotNet, "/src/Function.cs", "Acme.Orders.Function.FunctionHandler").in_app);
        assert!(!frame(Runtime::DotNet, "", "Amazon.Lambda.RuntimeSupport.HandlerWrapper.Invoke").in_app);
    }

    #[test]
    fn go_frames_skip_the_standard_library_modules_and_the_lambda_library() {
        assert!(frame(Runtime::Go, "/var/task/main.go", "main.handler").in_app);
        assert!(frame(Runtime::Go, "app/orders/parse.go", "Parse").in_app);
        assert!(!frame(Runtime::Go, "/usr/local/go/src/runtime/panic.go", "runtime.gopanic").in_app);
        assert!(!frame(Runtime::Go, "runtime/panic.go", "gopanic").in_app);
        assert!(!frame(Runtime::Go, "/usr/local/go/src/encoding/json/decode.go", "encoding/json.Unmarshal").in_app);
        let lambda = "/root/go/pkg/mod/github.com/aws/aws-lambda-go@v1.41.0/lambda/handler.go";
        assert!(!frame(Runtime::Go, lambda, "github.com/aws/aws-lambda-go/lambda.NewHandler.func1").in_app);
        assert!(!frame(Runtime::Go, "github.com/google/uuid@v1.6.0/uuid.go", "github.com/google/uuid.Must").in_app);
    }

    #[test]
    fn the_innermost_in_app_frame_is_the_first_in_app_one() {
        let frames = [
            frame(Runtime::Node, "/var/task/node_modules/pg/lib/client.js", "Client.query"),
            frame(Runtime::Node, "/var/task/src/db.js", "save"),
            frame(Runtime::Node, "/var/task/src/handler.js", "handler"),
        ];

        assert_eq!(in_app_frame(&frames).and_then(|f| f.function.as_deref()), Some("save"));
        assert_eq!(in_app_frame(&frames[..1]), None);
    }
}
