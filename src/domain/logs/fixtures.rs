//! Log events as Lambda runtimes really write them to CloudWatch Logs, shared by the tests of every parser.

use super::record::{ErrorRecord, Record};

/// The error a log event holds; a test that gets anything else fails and says what it got.
pub fn error(message: &str) -> ErrorRecord {
    match Record::parse(message) {
        Record::Error(error) => error,
        other => panic!("expected an error, got {other:?}"),
    }
}

pub const REQUEST_ID: &str = "8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c";

// Platform lines. Text REPORT lines end with a tab; a `Status` appears only when the invocation failed.
pub const REPORT_WARM: &str = "REPORT RequestId: 8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tDuration: 12.34 ms\t\
    Billed Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t\n";
pub const REPORT_COLD: &str = "REPORT RequestId: 8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tDuration: 812.40 ms\t\
    Billed Duration: 1063 ms\tMemory Size: 128 MB\tMax Memory Used: 88 MB\tInit Duration: 250.12 ms\t\n";
pub const REPORT_SNAPSTART: &str = "REPORT RequestId: 8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tDuration: 1.23 ms\t\
    Billed Duration: 250 ms\tMemory Size: 512 MB\tMax Memory Used: 100 MB\tRestore Duration: 400.12 ms\t\
    Billed Restore Duration: 200 ms\t\n";
pub const REPORT_TIMEOUT: &str = "REPORT RequestId: 8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tDuration: 3000.00 ms\t\
    Billed Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tStatus: timeout\n";
pub const REPORT_OOM: &str = "REPORT RequestId: 8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tDuration: 6954.19 ms\t\
    Billed Duration: 6955 ms\tMemory Size: 1024 MB\tMax Memory Used: 1024 MB\tStatus: error\t\
    Error Type: Runtime.OutOfMemory\n";
pub const REPORT_JSON_COLD: &str = concat!(
    r#"{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","#,
    r#""record":{"requestId":"8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c","metrics":{"durationMs":1233.96,"#,
    r#""billedDurationMs":1698,"memorySizeMB":256,"maxMemoryUsedMB":123,"initDurationMs":463.512},"#,
    r#""status":"success"}}"#,
);
pub const REPORT_JSON_TIMEOUT: &str = concat!(
    r#"{"time":"2026-07-09T06:05:50.581Z","type":"platform.report","#,
    r#""record":{"requestId":"8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c","metrics":{"durationMs":5000.0,"#,
    r#""billedDurationMs":5000,"memorySizeMB":128,"maxMemoryUsedMB":94},"status":"timeout"}}"#,
);
pub const REPORT_JSON_OOM: &str = concat!(
    r#"{"time":"2026-07-09T06:05:50.581Z","type":"platform.report","#,
    r#""record":{"requestId":"8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c","metrics":{"durationMs":812.4,"#,
    r#""billedDurationMs":813,"memorySizeMB":256,"maxMemoryUsedMB":256},"status":"error","#,
    r#""errorType":"Runtime.OutOfMemory"}}"#,
);
pub const TIMEOUT: &str =
    "2024-05-01T10:00:03.010Z 8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c Task timed out after 3.00 seconds\n";
pub const OOM_KILLED: &str = "RequestId: 8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c Error: Runtime exited with error: \
    signal: killed\nRuntime.ExitError\n";
pub const EXIT_STATUS: &str = "RequestId: 8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c Error: Runtime exited with error: \
    exit status 1\nRuntime.ExitError\n";

// Python. The runtime indents its own traceback lines with no-break spaces.
pub const PYTHON_UNHANDLED: &str = "[ERROR] ValueError: invalid literal for int() with base 10: 'abc'\n\
    Traceback (most recent call last):\n\
    \u{a0}\u{a0}File \"/var/task/handler.py\", line 27, in lambda_handler\n\
    \u{a0}\u{a0}\u{a0}\u{a0}order = parse_line(body)\n\
    \u{a0}\u{a0}File \"/var/task/orders/parse.py\", line 88, in parse_line\n\
    \u{a0}\u{a0}\u{a0}\u{a0}qty = int(raw)\n";
pub const PYTHON_INTO_SITE_PACKAGES: &str = "[ERROR]\t2024-05-01T10:00:01.234Z\t8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\t\
    Failed to save order\n\
Traceback (most recent call last):
  File \"/var/task/handler.py\", line 31, in lambda_handler
    store.save(order)
  File \"/var/task/orders/store.py\", line 41, in save
    table.put_item(Item=item)
  File \"/var/lang/lib/python3.12/site-packages/boto3/resources/factory.py\", line 581, in do_action
    response = action(self, *args, **kwargs)
  File \"/opt/python/lib/python3.12/site-packages/botocore/client.py\", line 1021, in _make_api_call
    raise error_class(parsed_response, operation_name)
botocore.exceptions.ClientError: An error occurred (ConditionalCheckFailedException) when calling the PutItem \
operation: The conditional request failed
";
pub const PYTHON_LOGGED_EXCEPTION: &str = "[ERROR]\t2024-05-01T10:00:00.123Z\t8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\t\
    Could not read order\n\
Traceback (most recent call last):
  File \"/var/task/app.py\", line 9, in handler
    qty = event[\"quantity\"]
          ~~~~~^^^^^^^^^^^^
KeyError: 'quantity'
";
pub const PYTHON_CHAINED: &str =
    "[ERROR]\t2024-05-01T10:00:00.123Z\t8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tRejected order
Traceback (most recent call last):
  File \"/var/task/orders/parse.py\", line 14, in parse
    sku = payload[\"sku\"]
KeyError: 'sku'

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File \"/var/task/app.py\", line 22, in handler
    order = parse(payload)
  File \"/var/task/orders/parse.py\", line 16, in parse
    raise InvalidOrder(\"order has no sku\") from err
orders.errors.InvalidOrder: order has no sku
";
pub const PYTHON_PYDANTIC: &str = "Traceback (most recent call last):
  File \"/var/task/app.py\", line 7, in handler
    order = Order.model_validate(event)
  File \"/var/lang/lib/python3.12/site-packages/pydantic/main.py\", line 551, in model_validate
    return cls.__pydantic_validator__.validate_python(
pydantic_core._pydantic_core.ValidationError: 1 validation error for Order
quantity
  Input should be a valid integer, unable to parse string as an integer [type=int_parsing, \
input_value='abc', input_type=str]
    For further information visit https://errors.pydantic.dev/2.5/v/int_parsing
";
pub const PYTHON_JSON_ERROR: &str = concat!(
    r#"{"errorMessage": "invalid literal for int() with base 10: 'abc'", "errorType": "ValueError","#,
    r#" "requestId": "8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c","#,
    r#" "stackTrace": ["  File \"/var/task/handler.py\", line 27,"#,
    r#" in lambda_handler\n    order = parse_line(body)\n", "  File \"/var/task/orders/parse.py\", line 88,"#,
    r#" in parse_line\n    qty = int(raw)\n"]}"#,
);
pub const PYTHON_JSON_LOG_FORMAT: &str = concat!(
    r#"{"timestamp": "2024-05-01T10:00:00Z", "level": "ERROR", "errorMessage": "'quantity'","#,
    r#" "errorType": "KeyError", "requestId": "8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c","#,
    r#" "stackTrace": ["  File \"/var/task/app.py\", line 12,"#,
    r#" in handler\n    qty = event[\"quantity\"]\n"]}"#,
);
pub const POWERTOOLS_PYTHON: &str = concat!(
    r#"{"level":"ERROR","location":"handler:25","message":"Order rejected","#,
    r#""timestamp":"2024-05-01 10:00:00,123+0000","service":"orders","cold_start":false,"#,
    r#""function_name":"checkout-api","function_request_id":"8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c","#,
    r#""exception":"Traceback (most recent call last):\n  File \"/var/task/app.py\", line 23,"#,
    r#" in handler\n    check(order)\n  File \"/var/task/orders/validate.py\", line 19,"#,
    r#" in check\n    raise ValueError(\"quantity must be positive\")\nValueError: quantity must be positive","#,
    r#""exception_name":"ValueError","xray_trace_id":"1-5759e988-bd862e3fe1be46a994272793"}"#,
);

// Node.js.
pub const NODE_INVOKE_ERROR: &str = "2024-05-01T10:00:00.000Z\t8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tERROR\t\
    Invoke Error \t\
    {\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'id')\",\"stack\":[\
    \"TypeError: Cannot read properties of undefined (reading 'id')\",\
    \"    at handler (/var/task/src/handler.js:42:17)\",\
    \"    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)\"]}\n";
pub const NODE_UNCAUGHT_AT_INIT: &str = "2024-05-01T10:00:00.000Z\tundefined\tERROR\tUncaught Exception \t\
    {\"errorType\":\"Runtime.ImportModuleError\",\
    \"errorMessage\":\"Error: Cannot find module 'uuid'\\nRequire stack:\\n\
    - /var/task/index.js\\n- /var/runtime/index.mjs\",\
    \"stack\":[\"Runtime.ImportModuleError: Error: Cannot find module \
    'uuid'\",\"Require stack:\",\"- /var/task/index.js\",\"- /var/runtime/index.mjs\",\
    \"    at _loadUserApp (file:///var/runtime/index.mjs:1087:17)\",\
    \"    at async start (file:///var/runtime/index.mjs:1282:23)\",\
    \"    at async file:///var/runtime/index.mjs:1288:1\"]}";
pub const NODE_UNHANDLED_REJECTION: &str = "2024-05-01T10:00:00.000Z\t8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tERROR\t\
    Unhandled Promise Rejection \t{\"errorType\":\"Runtime.UnhandledPromiseRejection\",\"errorMessage\":\"Error: card \
    declined\",\"reason\":{\"errorType\":\"Error\",\"errorMessage\":\"card declined\",\
    \"stack\":[\"Error: card declined\",\
    \"    at charge (file:///var/task/orders.mjs:7:11)\",\
    \"    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\"]},\"promise\":{},\"stack\":[\
    \"Runtime.UnhandledPromiseRejection: Error: card declined\",\
    \"    at process.<anonymous> (file:///var/runtime/index.mjs:1276:17)\",\
    \"    at process.emit (node:events:517:28)\"]}";
pub const NODE_ONLY_DEPENDENCIES: &str = "2024-05-01T10:00:00.000Z\t8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tERROR\t\
    Invoke Error \t{\"errorType\":\"AxiosError\",\"errorMessage\":\"Request failed with status code 503\",\
    \"code\":\"ERR_BAD_RESPONSE\",\"stack\":[\"AxiosError: Request failed with status code 503\",\
    \"    at settle (/var/task/node_modules/axios/dist/node/axios.cjs:1966:12)\",\
    \"    at IncomingMessage.handleStreamEnd (/var/task/node_modules/axios/dist/node/axios.cjs:3065:11)\",\
    \"    at IncomingMessage.emit (node:events:529:35)\"]}";
pub const NODE_JSON_LOG_FORMAT: &str = concat!(
    r#"{"timestamp":"2024-05-01T10:00:00.000Z","level":"ERROR","#,
    r#""requestId":"8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c","message":{"errorType":"TypeError","#,
    r#""errorMessage":"x is not a function","stackTrace":["TypeError: x is not a function","#,
    r#""    at Runtime.handler (file:///var/task/index.mjs:5:3)","#,
    r#""    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)"]}}"#,
);
pub const NODE_CONSOLE_ERROR: &str = "2024-05-01T10:00:00.000Z\t8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tERROR\t\
    TypeError: Cannot read properties of undefined (reading 'id')\n\
    \x20   at handler (/var/task/src/handler.js:42:17)\n\
    \x20   at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)\n";
pub const NODE_RAW_STACK: &str = "TypeError: Cannot read properties of undefined (reading 'id')
    at Object.total (/var/task/src/orders.js:18:22)
    at Array.map (<anonymous>)
    at handler (/var/task/src/handler.js:9:30)
";

// Java: the runtime logs `message: class`, then the stack trace.
pub const JAVA_NPE: &str = "Cannot invoke \"String.length()\" because \"s\" is null: java.lang.NullPointerException
java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"s\" is null
\tat com.acme.orders.Handler.handleRequest(Handler.java:57)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(Unknown Source)
\tat java.base/java.lang.reflect.Method.invoke(Unknown Source)

";
pub const JAVA_CAUSED_BY: &str = "Failed to process order: java.lang.RuntimeException
java.lang.RuntimeException: Failed to process order
\tat com.acme.orders.Handler.handleRequest(Handler.java:40)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(Unknown Source)
\tat java.base/java.lang.reflect.Method.invoke(Unknown Source)
Caused by: java.lang.NumberFormatException: For input string: \"abc\"
\tat java.base/java.lang.NumberFormatException.forInputString(Unknown Source)
\tat java.base/java.lang.Integer.parseInt(Unknown Source)
\tat java.base/java.lang.Integer.parseInt(Unknown Source)
\tat com.acme.orders.Parser.quantity(Parser.java:22)
\tat com.acme.orders.Handler.handleRequest(Handler.java:38)
\t... 2 more
";
pub const JAVA_JSON_ERROR: &str = r#"{
  "errorMessage": "Order 42 could not be loaded",
  "errorType": "java.lang.IllegalStateException",
  "stackTrace": [
    "com.acme.orders.Handler.handleRequest(Handler.java:57)",
    "java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(Unknown Source)",
    "java.base/java.lang.reflect.Method.invoke(Unknown Source)"
  ],
  "cause": {
    "errorMessage": "Connection refused",
    "errorType": "java.net.ConnectException",
    "stackTrace": [
      "java.base/sun.nio.ch.Net.connect0(Native Method)",
      "org.postgresql.core.PGStream.createSocket(PGStream.java:243)",
      "com.acme.orders.OrderRepository.find(OrderRepository.java:31)",
      "com.acme.orders.Handler.handleRequest(Handler.java:55)"
    ]
  }
}
"#;

/// The Java runtime in the JSON log format logs the same text as `message`.
pub const JAVA_JSON_LOG_FORMAT: &str = concat!(
    r#"{"timestamp":"2024-05-01T10:00:00.000Z","level":"ERROR","message":"Cannot invoke \"String.length()\" "#,
    r#"because \"s\" is null: java.lang.NullPointerException\njava.lang.NullPointerException: Cannot invoke "#,
    r#"\"String.length()\" because \"s\" is null\n\tat com.acme.orders.Handler.handleRequest(Handler.java:57)\n"#,
    r#"\tat java.base/java.lang.reflect.Method.invoke(Unknown Source)\n","#,
    r#""AWSRequestId":"8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c"}"#,
);

// Go: aws-lambda-go logs the error payload with `log.Printf`.
pub const GO_ERROR: &str =
    "2024/05/01 10:00:00 {\"errorMessage\":\"order 42 not found\",\"errorType\":\"errorString\"}\n";
pub const GO_PANIC_JSON: &str = "2024/05/01 10:00:00 {\"errorMessage\":\"runtime error: invalid memory address or nil \
    pointer dereference\",\"errorType\":\"errorString\",\"stackTrace\":[\
    {\"path\":\"github.com/aws/aws-lambda-go@v1.47.0/lambda/errors.go\",\"line\":39,\"label\":\"lambdaPanicResponse\"},\
    {\"path\":\"runtime/panic.go\",\"line\":770,\"label\":\"gopanic\"},\
    {\"path\":\"runtime/signal_unix.go\",\"line\":900,\"label\":\"sigpanic\"},\
    {\"path\":\"/var/task/main.go\",\"line\":31,\"label\":\"handler\"}]}\n";
pub const GO_PANIC: &str = "panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b2f4d]

goroutine 1 [running]:
panic({0x6e3b00?, 0x9a6f50?})
\t/usr/local/go/src/runtime/panic.go:770 +0x132
main.handler({0x7a1f40, 0xc0000a6000}, {{0xc000120000, 0x2c}})
\t/var/task/main.go:31 +0x1d
reflect.Value.call({0x6f1e20?, 0x7c3d58?, 0x4?}, {0x75d1e2, 0x4}, {0xc000141e10, 0x2, 0x2?})
\t/usr/local/go/src/reflect/value.go:596 +0xce5
github.com/aws/aws-lambda-go/lambda.NewHandlerWithOptions.func4(...)
\t/root/go/pkg/mod/github.com/aws/aws-lambda-go@v1.47.0/lambda/handler.go:316 +0x1bd
main.main()
\t/var/task/main.go:40 +0x25

goroutine 18 [IO wait]:
net/http.(*conn).serve(0xc000100000)
\t/usr/local/go/src/net/http/server.go:2009 +0x5f4
";

// .NET: the runtime writes `Exception.ToString()` at the `fail` level.
pub const DOTNET_TEXT: &str = "2024-05-01T10:00:00.000Z\t8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c\tfail\t\
System.InvalidOperationException: Sequence contains no elements
   at System.Linq.ThrowHelper.ThrowNoElementsException()
   at System.Linq.Enumerable.First[TSource](IEnumerable`1 source)
   at Acme.Orders.Function.FunctionHandler(Input input, ILambdaContext ctx) in /src/Orders/Function.cs:line 44
   at lambda_method1(Closure, Stream, ILambdaContext, Stream)
   at Amazon.Lambda.RuntimeSupport.LambdaBootstrap.InvokeOnceAsync(CancellationToken cancellationToken)
";
pub const DOTNET_INNER: &str = "System.AggregateException: One or more errors occurred. (The given key 'sku-42' was \
not present in the dictionary.)
 ---> System.Collections.Generic.KeyNotFoundException: The given key 'sku-42' was not present in the dictionary.
   at System.Collections.Generic.Dictionary`2.get_Item(TKey key)
   at Acme.Orders.Prices.Lookup(String sku) in /src/Orders/Prices.cs:line 12
   --- End of inner exception stack trace ---
   at System.Threading.Tasks.Task.ThrowIfExceptional(Boolean includeTaskCanceledExceptions)
   at Acme.Orders.Function.FunctionHandler(Input input, ILambdaContext ctx) in /src/Orders/Function.cs:line 30
";
pub const DOTNET_JSON_ERROR: &str = r#"{
  "errorType": "AggregateException",
  "errorMessage": "One or more errors occurred. (Sequence contains no elements)",
  "stackTrace": [
    "at System.Threading.Tasks.Task.ThrowIfExceptional(Boolean includeTaskCanceledExceptions)",
    "at lambda_method1(Closure, Stream, ILambdaContext, Stream)"
  ],
  "cause": {
    "errorType": "InvalidOperationException",
    "errorMessage": "Sequence contains no elements",
    "stackTrace": [
      "at System.Linq.ThrowHelper.ThrowNoElementsException()",
      "at Acme.Orders.Function.FunctionHandler(Input input, ILambdaContext ctx) in /src/Orders/Function.cs:line 44"
    ]
  }
}"#;

/// The .NET JSON log format splits `Exception.ToString()` into trimmed lines.
pub const DOTNET_JSON_LOG_FORMAT: &str = concat!(
    r#"{"timestamp":"2024-05-01T10:00:00.000Z","level":"Error","requestId":"8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c","#,
    r#""message":"Order lookup failed","errorType":"System.AggregateException","#,
    r#""errorMessage":"One or more errors occurred. (The given key 'sku-42' was not present in the dictionary.)","#,
    r#""stackTrace":["System.AggregateException: One or more errors occurred. (The given key 'sku-42' was not "#,
    r#"present in the dictionary.)","---> System.Collections.Generic.KeyNotFoundException: The given key "#,
    r#"'sku-42' was not present in the dictionary.","at System.Collections.Generic.Dictionary`2.get_Item(TKey key)","#,
    r#""at Acme.Orders.Prices.Lookup(String sku) in /src/Orders/Prices.cs:line 12","#,
    r#""--- End of inner exception stack trace ---","#,
    r#""at System.Threading.Tasks.Task.ThrowIfExceptional(Boolean includeTaskCanceledExceptions)","#,
    r#""at Acme.Orders.Function.FunctionHandler(Input input, ILambdaContext ctx) "#,
    r#"in /src/Orders/Function.cs:line 30"]}"#,
);

// Ruby: the runtime prints `Error raised from handler method`, then the error as pretty JSON.
pub const RUBY_JSON_ERROR: &str = "{
  \"errorMessage\": \"undefined method `id' for nil:NilClass\",
  \"errorType\": \"Function<NoMethodError>\",
  \"stackTrace\": [
    \"/var/task/lambda_function.rb:12:in `lambda_handler'\",
    \"/var/runtime/lib/lambda_handler.rb:28:in `call_handler'\"
  ]
}
";
pub const RUBY_RAW: &str = "/var/task/lambda_function.rb:12:in 'handler': undefined method 'id' for nil (NoMethodError)
\tfrom /var/task/lambda_function.rb:20:in 'lambda_handler'
\tfrom /var/runtime/lib/lambda_handler.rb:28:in 'call_handler'
";

/// Every fixture, for tests that must hold whatever the input.
pub const ALL: &[&str] = &[
    REPORT_WARM,
    REPORT_COLD,
    REPORT_SNAPSTART,
    REPORT_TIMEOUT,
    REPORT_OOM,
    REPORT_JSON_COLD,
    REPORT_JSON_TIMEOUT,
    REPORT_JSON_OOM,
    TIMEOUT,
    OOM_KILLED,
    EXIT_STATUS,
    PYTHON_UNHANDLED,
    PYTHON_INTO_SITE_PACKAGES,
    PYTHON_LOGGED_EXCEPTION,
    PYTHON_CHAINED,
    PYTHON_PYDANTIC,
    PYTHON_JSON_ERROR,
    PYTHON_JSON_LOG_FORMAT,
    POWERTOOLS_PYTHON,
    NODE_INVOKE_ERROR,
    NODE_UNCAUGHT_AT_INIT,
    NODE_UNHANDLED_REJECTION,
    NODE_ONLY_DEPENDENCIES,
    NODE_JSON_LOG_FORMAT,
    NODE_CONSOLE_ERROR,
    NODE_RAW_STACK,
    JAVA_NPE,
    JAVA_CAUSED_BY,
    JAVA_JSON_ERROR,
    JAVA_JSON_LOG_FORMAT,
    GO_ERROR,
    GO_PANIC_JSON,
    GO_PANIC,
    DOTNET_TEXT,
    DOTNET_INNER,
    DOTNET_JSON_ERROR,
    DOTNET_JSON_LOG_FORMAT,
    RUBY_JSON_ERROR,
    RUBY_RAW,
];
