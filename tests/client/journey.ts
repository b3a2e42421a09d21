// The app's main journey through a client generated from our OpenAPI document, as a mobile team
// would write it: types from openapi-typescript, calls through openapi-fetch. `tsc --noEmit` fails on
// any request or response that does not fit the document; running it fails on any unexpected status.
//
// An enterprise and a supplier register and log in, an admin vets them, the supplier lists a product,
// the enterprise posts and publishes a demand, searches products, reads its matches, opens the live
// notification stream; the supplier quotes; the enterprise receives the notification on the stream and
// in its list. Along the way: Chinese problems by default, ETag / 304, Location on creates.
//
// Environment: API_URL (http://host:port), ADMIN_EMAIL, ADMIN_PASSWORD, USCC_ENTERPRISE, USCC_SUPPLIER.

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api.js";

type Schemas = components["schemas"];

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const api = createClient<paths>({ baseUrl: env("API_URL") });
const steps: string[] = [];

function expectStatus(response: Response, status: number, step: string): void {
  if (response.status !== status) {
    throw new Error(`${step}: expected HTTP ${status}, got ${response.status}`);
  }
  steps.push(`${step}: ${status}`);
}

function must<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`${step}: no body`);
  return value;
}

function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

async function register(kind: Schemas["RegisterableKind"], uscc: string): Promise<Schemas["RegisterOut"]> {
  const email = `${kind}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@journey.example`;
  const { data, response } = await api.POST("/api/v1/auth/register", {
    body: {
      email,
      password: "journey-password-2024",
      name: "王五",
      organization: { name: `旅程测试${kind}有限公司`, kind, uscc, region_code: "511100" },
    },
  });
  expectStatus(response, 201, `register ${kind}`);
  const body = must(data, "register");
  if (response.headers.get("Location") !== `/api/v1/organizations/${body.organization.id}`) {
    throw new Error(`register: Location is ${response.headers.get("Location")}`);
  }
  if (body.organization.vetting_status !== "pending") throw new Error("a new organization is pending");
  return body;
}

async function login(email: string, password: string): Promise<string> {
  const { data, error, response } = await api.POST("/api/v1/auth/token", {
    body: { username: email, password },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (error) console.error(JSON.stringify(error));
  expectStatus(response, 200, `log in ${email.split("-")[0]}`);
  const tokens: Schemas["TokenOut"] = must(data, "login");
  return tokens.access_token;
}

// Reads Server-Sent Events from a fetch body until one `event: notification` arrives.
async function nextNotification(stream: Response, timeoutMs: number): Promise<{ id: string; data: string }> {
  const reader = must(stream.body ?? undefined, "stream").pipeThrough(new TextDecoderStream()).getReader();
  const deadline = setTimeout(() => void reader.cancel("timeout"), timeoutMs);
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the stream ended (or timed out) before a notification");
      buffer += value.replace(/\r\n?/g, "\n"); // SSE lines may end in CRLF, CR or LF
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        if (fields.get("event") === "notification") {
          return { id: must(fields.get("id"), "event id"), data: must(fields.get("data"), "event data") };
        }
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  // Chinese first: an unknown demand is a Chinese problem unless English is asked for.
  const missing = await api.GET("/api/v1/demands/{demand_id}", {
    params: { path: { demand_id: "00000000-0000-4000-8000-000000000000" } },
  });
  expectStatus(missing.response, 404, "unknown demand");
  const problem: Schemas["Problem"] = must(missing.error, "problem");
  if (!/[\u4e00-\u9fff]/.test(problem.title) || missing.response.headers.get("Content-Language") !== "zh") {
    throw new Error(`the default problem is not Chinese: ${problem.title}`);
  }

  const labels = await api.GET("/api/v1/catalog/labels");
  expectStatus(labels.response, 200, "enum labels");
  const demandStatus = must(must(labels.data, "labels")["DemandStatus"], "DemandStatus labels");
  if (demandStatus["published"]?.zh !== "已发布") throw new Error("published has no Chinese label");

  const enterprise = await register("enterprise", env("USCC_ENTERPRISE"));
  const supplier = await register("supplier", env("USCC_SUPPLIER"));
  const admin = await login(env("ADMIN_EMAIL"), env("ADMIN_PASSWORD"));
  for (const registered of [enterprise, supplier]) {
    const vetted = await api.POST("/api/v1/admin/organizations/{organization_id}/vetting", {
      params: { path: { organization_id: registered.organization.id } },
      body: { decision: "approve", note: "资料齐全" },
      headers: bearer(admin),
    });
    expectStatus(vetted.response, 200, `vet ${registered.organization.kind}`);
  }
  const enterpriseToken = await login(enterprise.user.email, "journey-password-2024");
  const supplierToken = await login(supplier.user.email, "journey-password-2024");

  const product = await api.POST("/api/v1/products", {
    body: {
      name: "大热场单晶炉",
      model: "JRN-160",
      category_code: "photovoltaic.monocrystal_furnace",
      industry_codes: ["C3825"],
      description: "36英寸大热场，拉晶能耗降低15%。",
      price_min_cny: 1_800_000,
      price_max_cny: 2_600_000,
      energy_grade: 1,
      made_in_sichuan: true,
      service_region_codes: ["511100"],
      lead_time_days: 60,
      certifications: ["CE"],
    },
    headers: bearer(supplierToken),
  });
  expectStatus(product.response, 201, "create product");
  const productId = must(product.data, "product").id;
  const submitted = await api.POST("/api/v1/products/{product_id}/submit", {
    params: { path: { product_id: productId } },
    headers: bearer(supplierToken),
  });
  expectStatus(submitted.response, 200, "submit product");
  const reviewed = await api.POST("/api/v1/admin/products/{product_id}/review", {
    params: { path: { product_id: productId } },
    body: { decision: "approve", note: "四川造资质已核" }, // the contract's body, as written
    headers: bearer(admin),
  });
  expectStatus(reviewed.response, 200, "review product");
  const listed: Schemas["ProductOut"] = must(reviewed.data, "review");
  if (listed.status !== "listed" || !listed.made_in_sichuan_verified) throw new Error("not listed as 四川造");

  const demand = await api.POST("/api/v1/demands", {
    body: {
      title: "光伏电池片产线单晶炉更新",
      description: "现有单晶炉服役12年，能耗高，计划更换为大热场单晶炉。",
      task_type: "line_upgrade",
      industry_code: "C3825",
      region_code: "511100",
      category_codes: ["photovoltaic.monocrystal_furnace"],
      quantity: 4,
      budget_min_cny: 8_000_000,
      budget_max_cny: 12_000_000,
      old_equipment: { age_years: 12, energy_grade: 3 },
      needs: { equipment: true, design: false, engineering: true },
      share_with_banks: false,
    },
    headers: { ...bearer(enterpriseToken), "Idempotency-Key": `journey-${Date.now()}` },
  });
  expectStatus(demand.response, 201, "create demand");
  const demandId = must(demand.data, "demand").id;
  if (demand.response.headers.get("Location") !== `/api/v1/demands/${demandId}`) throw new Error("no Location");
  const published = await api.POST("/api/v1/demands/{demand_id}/publish", {
    params: { path: { demand_id: demandId } },
    headers: bearer(enterpriseToken),
  });
  expectStatus(published.response, 200, "publish demand");
  const status: Schemas["DemandStatus"] = must(published.data, "published").status;
  if (status !== "published") throw new Error(`demand is ${status}`);

  // A conditional read: the same ETag back is a 304 with no body.
  const read = await api.GET("/api/v1/demands/{demand_id}", {
    params: { path: { demand_id: demandId } },
    headers: bearer(enterpriseToken),
  });
  expectStatus(read.response, 200, "read demand");
  const etag = must(read.response.headers.get("ETag") ?? undefined, "ETag");
  const again = await api.GET("/api/v1/demands/{demand_id}", {
    params: { path: { demand_id: demandId }, header: { "If-None-Match": etag } },
    headers: bearer(enterpriseToken),
  });
  expectStatus(again.response, 304, "revalidate demand");

  const search = await api.GET("/api/v1/search/products", {
    params: { query: { q: "单晶炉", region_code: "511100" } },
  });
  expectStatus(search.response, 200, "search products");
  const hits = must(search.data, "search");
  if (!hits.items.some((hit) => hit.id === productId)) throw new Error("the product is not found by search");

  const matches = await api.GET("/api/v1/demands/{demand_id}/matches", {
    params: { path: { demand_id: demandId }, query: { kind: "product" } },
    headers: bearer(enterpriseToken),
  });
  expectStatus(matches.response, 200, "read matches");
  const best = must(must(matches.data, "matches").items[0], "a match");
  if (best.target.id !== productId || best.reasons.length === 0) throw new Error("the product is not matched");

  // The enterprise's phone is listening when the supplier quotes.
  const stream = await fetch(`${env("API_URL")}/api/v1/notifications/stream`, {
    headers: { ...bearer(enterpriseToken), Accept: "text/event-stream" },
  });
  expectStatus(stream, 200, "open notification stream");
  const quote = await api.POST("/api/v1/demands/{demand_id}/quotes", {
    params: { path: { demand_id: demandId } },
    body: { product_id: productId, price_cny: 9_000_000, delivery_days: 60, message: "含安装调试" },
    headers: bearer(supplierToken),
  });
  expectStatus(quote.response, 201, "quote");
  const quoteId = must(quote.data, "quote").id;
  const event = await nextNotification(stream, 5000);
  steps.push("notification pushed on the stream");

  const notifications = await api.GET("/api/v1/notifications", {
    params: { query: { unread: true } },
    headers: bearer(enterpriseToken),
  });
  expectStatus(notifications.response, 200, "list notifications");
  const newest = must(must(notifications.data, "notifications").items[0], "a notification");
  if (newest.id !== event.id || newest.data["quote_id"] !== quoteId) throw new Error("the quote was not notified");
  const pushed = JSON.parse(event.data) as Schemas["NotificationOut"];
  if (pushed.kind !== newest.kind) throw new Error("the stream and the list disagree");
  const count = await api.GET("/api/v1/notifications/unread-count", { headers: bearer(enterpriseToken) });
  expectStatus(count.response, 200, "unread count");
  if (must(count.data, "count").count < 1) throw new Error("no unread notification counted");

  console.log(steps.join("\n"));
  console.log("journey ok");
}

main().catch((error: unknown) => {
  console.log(steps.join("\n"));
  console.error(error);
  process.exit(1);
});
