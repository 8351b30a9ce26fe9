//! A realistic week for the payments team, for the snapshots: a timeout regression after a deploy, a webhook
//! out of memory, a worker paying for retries, an interactive API with cold starts, a function in a loop, a
//! quiet nightly job, an idle one, incidents with a flapping alarm and a suppressed one, and a runtime
//! deprecation coming for two functions.

use chrono::{DateTime, Days, TimeZone, Utc};

use crate::digest::*;

fn at(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0).unwrap()
}

fn function(name: &str, interactive: bool, memory_mb: u32, this: Period, last: Period) -> FunctionWeek {
    FunctionWeek {
        function: name.into(),
        region: "us-east-1".into(),
        interactive,
        memory_mb: Some(memory_mb),
        deploy: None,
        this,
        last,
        daily: vec![],
        provisioned_month_cost: None,
    }
}

fn checkout_api() -> FunctionWeek {
    let this = Period {
        invocations: 1_204_000,
        errors: 37_400,
        timeouts: 36_120,
        duration_p95_ms: Some(5_800.0),
        logged_invocations: 1_204_000,
        cold_starts: 25_284,
        init_p95_ms: Some(910.0),
        cost: 184.2,
        failed_cost: 21.6,
        memory_peak_pct: Some(64.0),
        ..Period::default()
    };
    let last = Period {
        invocations: 1_150_000,
        errors: 1_380,
        timeouts: 1_150,
        duration_p95_ms: Some(410.0),
        logged_invocations: 1_150_000,
        cold_starts: 23_000,
        init_p95_ms: Some(890.0),
        cost: 176.8,
        failed_cost: 0.31,
        memory_peak_pct: Some(62.0),
        ..Period::default()
    };
    let daily = (0..7u64)
        .map(|i| Day {
            day: at(11, 23, 0, 0).date_naive() + Days::new(i),
            invocations: 172_000,
            errors: if i < 3 { 200 } else { 9_200 },
            cost: 26.3,
            cold_starts: Some(3_600),
            logged_invocations: Some(172_000),
        })
        .collect();
    FunctionWeek {
        deploy: Some(DeployFact { version: "42".into(), at: Some(at(11, 26, 13, 53)), previous: Some("41".into()) }),
        provisioned_month_cost: Some(10.95),
        daily,
        ..function("checkout-api", true, 1024, this, last)
    }
}

fn payments_webhook() -> FunctionWeek {
    let this = Period {
        invocations: 310_000,
        errors: 214,
        oom: 14,
        duration_p95_ms: Some(240.0),
        logged_invocations: 310_000,
        cold_starts: 930,
        init_p95_ms: Some(380.0),
        cost: 3.1,
        failed_cost: 0.02,
        memory_high_invocations: 37_200,
        memory_peak_pct: Some(98.0),
        ..Period::default()
    };
    let last = Period {
        invocations: 305_000,
        errors: 150,
        duration_p95_ms: Some(230.0),
        logged_invocations: 305_000,
        cold_starts: 900,
        init_p95_ms: Some(370.0),
        cost: 3.05,
        failed_cost: 0.01,
        memory_high_invocations: 2_100,
        memory_peak_pct: Some(93.0),
        ..Period::default()
    };
    function("payments-webhook", false, 512, this, last)
}

fn refund_worker() -> FunctionWeek {
    let this = Period {
        invocations: 196_000,
        errors: 4_300,
        duration_p95_ms: Some(1_900.0),
        logged_invocations: 196_000,
        cold_starts: 400,
        init_p95_ms: Some(520.0),
        cost: 41.3,
        failed_cost: 6.45,
        retry_cost: 6.2,
        retries: 4_100,
        memory_peak_pct: Some(71.0),
        ..Period::default()
    };
    let last = Period {
        invocations: 190_000,
        errors: 3_900,
        duration_p95_ms: Some(1_850.0),
        logged_invocations: 190_000,
        cold_starts: 380,
        init_p95_ms: Some(510.0),
        cost: 39.9,
        failed_cost: 5.9,
        retry_cost: 5.8,
        retries: 3_800,
        memory_peak_pct: Some(70.0),
        ..Period::default()
    };
    function("refund-worker", false, 256, this, last)
}

fn search_api() -> FunctionWeek {
    let this = Period {
        invocations: 52_100,
        errors: 12,
        duration_p95_ms: Some(640.0),
        logged_invocations: 52_100,
        cold_starts: 3_910,
        init_p95_ms: Some(690.0),
        cost: 4.8,
        memory_peak_pct: Some(55.0),
        ..Period::default()
    };
    let last = Period {
        invocations: 49_800,
        errors: 10,
        duration_p95_ms: Some(610.0),
        logged_invocations: 49_800,
        cold_starts: 3_600,
        init_p95_ms: Some(700.0),
        cost: 4.6,
        memory_peak_pct: Some(54.0),
        ..Period::default()
    };
    FunctionWeek {
        deploy: Some(DeployFact { version: "17".into(), at: Some(at(10, 30, 11, 2)), previous: Some("16".into()) }),
        provisioned_month_cost: Some(10.95),
        ..function("search-api", true, 1024, this, last)
    }
}

fn image_resizer() -> FunctionWeek {
    let this = Period {
        invocations: 480_000,
        duration_p95_ms: Some(820.0),
        logged_invocations: 50_000,
        cold_starts: 600,
        init_p95_ms: Some(450.0),
        cost: 96.0,
        memory_peak_pct: Some(48.0),
        ..Period::default()
    };
    let last = Period {
        invocations: 12_000,
        duration_p95_ms: Some(800.0),
        logged_invocations: 12_000,
        cold_starts: 150,
        init_p95_ms: Some(440.0),
        cost: 2.4,
        memory_peak_pct: Some(47.0),
        ..Period::default()
    };
    function("image-resizer", false, 2048, this, last)
}

fn report_builder() -> FunctionWeek {
    let night = Period {
        invocations: 7,
        duration_p95_ms: Some(48_000.0),
        logged_invocations: 7,
        cold_starts: 7,
        init_p95_ms: Some(2_900.0),
        cost: 0.29,
        memory_peak_pct: Some(80.0),
        ..Period::default()
    };
    function("report-builder", false, 1024, night, night)
}

pub(super) fn week() -> Digest {
    Digest {
        team: "payments".into(),
        start: at(11, 23, 9, 0),
        end: at(11, 30, 9, 0),
        late: None,
        functions: vec![
            report_builder(),
            search_api(),
            function("legacy-etl", false, 512, Period::default(), Period::default()),
            refund_worker(),
            image_resizer(),
            payments_webhook(),
            checkout_api(),
        ],
        incidents: incidents(),
        health: health(),
        notes: vec![
            "Logs of image-resizer were too many to read in full; its cold-start and memory figures come from a sample."
                .into(),
        ],
        currency: "USD".into(),
    }
}

fn incidents() -> IncidentWeek {
    let refund_age = AlarmNoise { alarm: "refund-worker-age".into(), state_changes: 14, incidents: 3 };
    IncidentWeek {
        opened: 7,
        opened_last: 3,
        critical: 2,
        suppressed: vec![SuppressedIncident {
            title: "checkout-api Errors ≥ 5".into(),
            at: at(11, 26, 13, 55),
            why: "silenced by <@204518392> until 14:10 UTC: deploy v42".into(),
        }],
        mtta_seconds: Some(240),
        mttr_seconds: Some(4_320),
        unresolved: 1,
        noisiest: vec![
            refund_age.clone(),
            AlarmNoise { alarm: "checkout-api-errors".into(), state_changes: 6, incidents: 2 },
            AlarmNoise { alarm: "image-resizer-invocations".into(), state_changes: 4, incidents: 1 },
        ],
        flapping: vec![refund_age],
    }
}

fn health() -> Vec<HealthItem> {
    vec![
        HealthItem {
            title: "Increased error rates for Lambda invocations".into(),
            region: "us-east-1".into(),
            category: "issue".into(),
            status: "closed".into(),
            start: Some(at(11, 26, 14, 5)),
            functions: vec!["checkout-api".into()],
        },
        HealthItem {
            title: "Lambda end of support for the Python 3.9 runtime".into(),
            region: "us-east-1".into(),
            category: "scheduledChange".into(),
            status: "upcoming".into(),
            start: Some(at(12, 15, 0, 0)),
            functions: vec!["report-builder".into(), "legacy-etl".into()],
        },
    ]
}
