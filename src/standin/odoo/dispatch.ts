import { Env, type OdooContext } from "./env.js";
import { accessDenied, accessError, OdooError, recordsetText, valueError } from "./errors.js";
import { messageProcess, parseMail, type GatewayFilter } from "./gateway.js";
import { lexreplyApply, lexreplyLineIntake, lexreplyRecordDelivery } from "./lexreply-addon.js";
import { activitySchedule, messagePost, type PostCommit } from "./mail.js";
import { TICKET_MODEL } from "./models.js";
import { noticeApply } from "./notice-apply.js";
import { allFieldNames, fieldOf, MAGIC_FIELDS } from "./schema.js";
import type { OdooStore, Vals } from "./store.js";
import { webRead, webSearchRead, type Specification } from "./web-read.js";

export const VERSION = {
  server_version: "18.0",
  server_version_info: [18, 0, 0, "final", 0, ""],
  server_serie: "18.0",
  protocol_version: 1,
};

export interface Server {
  store: OdooStore;
  db: string;
  gatewayFilter: GatewayFilter | null;
}

/** What a call did besides its result: the fields it asked for and the post-commit work it queued. */
export interface CallEffects extends PostCommit {
  uid?: number;
  requested: Set<string>;
}

type Bound = Record<string, unknown>;

/** Python's argument binding: positionals by name, then keywords; leftover keywords go to `**kwargs`. */
function bind(names: readonly string[], args: readonly unknown[], kwargs: Vals, method: string): { bound: Bound; rest: Vals } {
  const bound: Bound = {};
  names.forEach((name, i) => {
    if (i < args.length) bound[name] = args[i];
  });
  if (args.length > names.length) throw new OdooError("builtins.TypeError", `${method}() takes ${names.length} positional arguments but ${args.length} were given`);
  const rest: Vals = {};
  for (const [k, v] of Object.entries(kwargs)) {
    if (k === "context") continue;
    if (!names.includes(k)) rest[k] = v;
    else if (k in bound) throw new OdooError("builtins.TypeError", `${method}() got multiple values for argument '${k}'`);
    else bound[k] = v;
  }
  return { bound, rest };
}

const toIds = (v: unknown): number[] => {
  const ids = typeof v === "number" ? [v] : v;
  if (!Array.isArray(ids) || ids.some((i) => typeof i !== "number")) throw valueError(`Invalid ids ${JSON.stringify(v)}`);
  return ids as number[];
};
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const fieldList = (v: unknown): string[] | undefined => (Array.isArray(v) ? (v as string[]) : undefined);

interface Method {
  /** Parameter names after the record ids (for record methods) in Python's order. */
  params: readonly string[];
  onRecords?: boolean;
  /** Mutating methods run in a transaction. */
  writes?: boolean;
  run(env: Env, model: string, a: Bound, ids: number[], rest: Vals, effects: CallEffects): unknown;
}

function fieldsGet(env: Env, model: string, attributes: string[] | undefined): Record<string, Vals> {
  const def = env.store.model(model);
  const out: Record<string, Vals> = {};
  for (const name of allFieldNames(def)) {
    const f = fieldOf(def, name)!;
    if (!env.canReadField(f)) continue;
    const info: Vals = {
      type: f.type,
      string: f.string,
      required: !!f.required,
      readonly: !!f.compute || name in MAGIC_FIELDS,
      ...("relation" in f ? { relation: f.relation } : {}),
      ...(f.type === "selection" ? { selection: f.selection.map((v) => [v, v]) } : {}),
    };
    out[name] = attributes?.length ? Object.fromEntries(Object.entries(info).filter(([k]) => attributes.includes(k))) : info;
  }
  return out;
}

/** The addon's methods exist on tickets only, and need the rights the integration user has there. */
function ticketEnv(env: Env, model: string): Env {
  if (model !== TICKET_MODEL) throw new OdooError("builtins.AttributeError", `The method does not exist on the model '${model}'`);
  env.checkModel(TICKET_MODEL, "write");
  return env;
}

const METHODS: Record<string, Method> = {
  search: {
    params: ["domain", "offset", "limit", "order"],
    run: (env, model, a) => env.search(model, list(a.domain), { offset: num(a.offset), limit: num(a.limit), order: str(a.order) }),
  },
  search_count: {
    params: ["domain", "limit"],
    run: (env, model, a) => env.search(model, list(a.domain), { limit: num(a.limit) }).length,
  },
  search_read: {
    params: ["domain", "fields", "offset", "limit", "order"],
    run: (env, model, a) =>
      env.read(model, env.search(model, list(a.domain), { offset: num(a.offset), limit: num(a.limit), order: str(a.order) }), fieldList(a.fields)),
  },
  read: {
    params: ["fields", "load"],
    onRecords: true,
    run: (env, model, a, ids) => env.read(model, ids, fieldList(a.fields), a.load === null || a.load === false ? "none" : "classic"),
  },
  web_read: {
    params: ["specification"],
    onRecords: true,
    run: (env, model, a, ids) => webRead(env, model, ids, (a.specification ?? {}) as Specification),
  },
  web_search_read: {
    params: ["domain", "specification", "offset", "limit", "order", "count_limit"],
    run: (env, model, a) =>
      webSearchRead(env, model, list(a.domain), (a.specification ?? {}) as Specification, {
        offset: num(a.offset),
        limit: num(a.limit),
        order: str(a.order),
        countLimit: num(a.count_limit),
      }),
  },
  name_search: {
    params: ["name", "args", "operator", "limit"],
    run: (env, model, a) => {
      const name = typeof a.name === "string" ? a.name : "";
      const domain = name ? [...list(a.args), ["display_name", str(a.operator) ?? "ilike", name]] : list(a.args);
      return env
        .search(model, domain, { limit: num(a.limit) ?? 100 })
        .map((id) => [id, env.store.displayName(model, env.store.row(model, id)!)]);
    },
  },
  fields_get: {
    params: ["allfields", "attributes"],
    run: (env, model, a) => {
      const all = fieldsGet(env, model, fieldList(a.attributes));
      const only = fieldList(a.allfields);
      return only?.length ? Object.fromEntries(Object.entries(all).filter(([k]) => only.includes(k))) : all;
    },
  },
  create: {
    params: ["vals_list"],
    writes: true,
    run: (env, model, a) =>
      Array.isArray(a.vals_list) ? a.vals_list.map((v) => env.create(model, v as Vals)) : env.create(model, a.vals_list as Vals),
  },
  write: {
    params: ["vals"],
    onRecords: true,
    writes: true,
    run: (env, model, a, ids) => (env.write(model, ids, a.vals as Vals), true),
  },
  unlink: {
    params: [],
    onRecords: true,
    writes: true,
    run: (env, model, _a, ids) => (env.unlink(model, ids), true),
  },
  message_post: {
    params: ["body"],
    onRecords: true,
    writes: true,
    // Over JSON-RPC a returned record is its repr, "mail.message(17,)", not an id.
    run: (env, model, a, ids, rest, effects) =>
      recordsetText("mail.message", [messagePost(env, model, ids, { ...rest, body: a.body }, effects)]),
  },
  lexreply_notice_apply: {
    params: ["values"],
    onRecords: true,
    writes: true,
    run: (env, model, a, ids, _rest, effects) => noticeApply(env, model, ids, a.values, effects),
  },
  activity_schedule: {
    params: ["act_type_xmlid", "date_deadline", "summary", "note"],
    onRecords: true,
    writes: true,
    run: (env, model, a, ids, rest) =>
      recordsetText("mail.activity", activitySchedule(env, model, ids, [a.act_type_xmlid, a.date_deadline, a.summary, a.note], rest)),
  },
  // The addon's methods on helpdesk.ticket (README, "Contract notes").
  lexreply_apply: {
    params: ["outcome"],
    onRecords: true,
    writes: true,
    run: (env, model, a, ids, _rest, effects) => lexreplyApply(ticketEnv(env, model), ids, a.outcome, effects),
  },
  lexreply_line_intake: {
    params: ["event"],
    writes: true,
    run: (env, model, a, _ids, _rest, effects) => lexreplyLineIntake(ticketEnv(env, model), a.event, effects),
  },
  lexreply_record_delivery: {
    params: ["vals"],
    onRecords: true,
    writes: true,
    run: (env, model, a, ids, _rest, effects) => lexreplyRecordDelivery(ticketEnv(env, model), ids, a.vals, effects),
  },
};

function checkDb(server: Server, db: unknown): void {
  if (db !== server.db)
    throw new OdooError(
      "psycopg2.OperationalError",
      `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "${String(db)}" does not exist`,
    );
}

function authenticate(server: Server, db: unknown, login: unknown, password: unknown): number | false {
  checkDb(server, db);
  const uid = typeof login === "string" ? server.store.userByLogin(login) : undefined;
  return uid !== undefined && server.store.checkPassword(uid, password) ? uid : false;
}

async function executeKw(server: Server, args: unknown[], effects: CallEffects): Promise<unknown> {
  const [db, uid, password, model, method, ormArgs = [], kwargs = {}] = args as [unknown, unknown, unknown, string, string, unknown[], Vals];
  checkDb(server, db);
  if (typeof uid !== "number" || !server.store.checkPassword(uid, password)) throw accessDenied();
  effects.uid = uid;
  const env = new Env(server.store, uid, (kwargs.context ?? {}) as OdooContext, effects.requested);
  env.store.model(model);
  if (typeof method !== "string" || method.startsWith("_"))
    throw accessError(`Private methods (such as '${String(method)}') cannot be called remotely.`);
  if (model === "mail.thread" && method === "message_process") {
    const { bound } = bind(["model", "message", "custom_values"], ormArgs, kwargs, method);
    const mail = await parseMail(bound.message);
    return server.store.transaction(() =>
      messageProcess(env, mail, bound.model, (bound.custom_values ?? {}) as Vals, server.gatewayFilter, effects),
    );
  }
  const m = METHODS[method];
  if (!m) throw new OdooError("builtins.AttributeError", `The method '${method}' does not exist on the model '${model}'`);
  const [first, ...others] = ormArgs;
  const ids = m.onRecords ? toIds(first) : [];
  const { bound, rest } = bind(m.params, m.onRecords ? others : ormArgs, kwargs, method);
  const run = () => m.run(env, model, bound, ids, rest, effects);
  return m.writes ? server.store.transaction(run) : run();
}

/** One JSON-RPC `call`: the `common`, `db` and `object` services of Odoo's `/jsonrpc`. */
export async function dispatch(server: Server, service: string, method: string, args: unknown[], effects: CallEffects): Promise<unknown> {
  switch (`${service}.${method}`) {
    case "common.version":
      return VERSION;
    case "common.about":
      return "See http://openerp.com";
    case "common.login":
    case "common.authenticate": {
      const uid = authenticate(server, args[0], args[1], args[2]);
      if (uid) effects.uid = uid;
      return uid;
    }
    case "db.list":
      return [server.db];
    case "db.server_version":
      return VERSION.server_version;
    case "object.execute_kw":
      return executeKw(server, args, effects);
    case "object.execute":
      return executeKw(server, [...args.slice(0, 5), args.slice(5), {}], effects);
    default:
      throw new OdooError("builtins.KeyError", `'${service}.${method}' is not a known service method`);
  }
}
