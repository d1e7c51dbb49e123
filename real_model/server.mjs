// A real language model behind an OpenAI-style Chat Completions endpoint, for the harness's real-model runs.
//
//   node server.mjs --weights FILE.gguf [--host 127.0.0.1] [--port 0] [--name smollm2-135m-instruct] [--key KEY]
//
// POST /v1/chat/completions (JSON, or SSE with `stream: true`), GET /v1/models, GET /health. The model is
// SmolLM2-135M-Instruct run by node-llama-cpp on one CPU thread. Decoding is greedy unless the request sets a
// temperature, with a fixed seed, so the same request gets the same answer. What the model is made to do and
// what it is left to choose:
// - `tool_choice: "required"` or a named function: the answer is a call, decoded under a grammar made from the
//   tools' parameter schemas (as a provider's structured decoding does);
// - `tool_choice: "auto"` (the default with tools): the tools are offered and the model chooses (it rarely calls);
// - `response_format` json_schema / json_object: the text is decoded under that schema's grammar;
// - `max_tokens` / `max_completion_tokens` and `stop` cut the answer (finish_reason `length` / `stop`).
// Request checking is the job of the Python front (real_model/front.py), which journals every request and
// forwards what the emulated OpenAI Chat Completions would accept; this server refuses only what it cannot run.
import http from "node:http";
import crypto from "node:crypto";
import {getLlama, LlamaChat} from "node-llama-cpp";

function flags(argv) {
    const out = {host: "127.0.0.1", port: "0", name: "smollm2-135m-instruct", key: ""};
    for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1];
    if (!out.weights) throw new Error("--weights FILE.gguf is required");
    return out;
}

const options = flags(process.argv.slice(2));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath: options.weights});
// One thread: llama.cpp's threads spin while they wait for each other, and on a shared 2-core machine two of them
// ran 200 times slower than one.
const context = await model.createContext({contextSize: 4096, threads: 1});
const sequence = context.getSequence();
const chat = new LlamaChat({contextSequence: sequence});
const SEED = 7;
const FINGERPRINT = "fp_smollm2_q4_1";

let queue = Promise.resolve();
function serially(work) {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
}

function errorBody(status, message, param = null, code = null) {
    const type = status === 401 ? "invalid_request_error" : status >= 500 ? "server_error" : "invalid_request_error";
    return {error: {message, type, param, code}};
}

class Refusal extends Error {
    constructor(status, message, param = null, code = null) {
        super(message);
        this.status = status;
        this.body = errorBody(status, message, param, code);
    }
}

function textOf(content) {
    if (content === null || content === undefined) return "";
    if (typeof content === "string") return content;
    return content.filter((p) => p && p.type === "text").map((p) => p.text).join("\n");
}

function parseArguments(raw) {
    try {
        return JSON.parse(raw || "{}");
    } catch {
        return raw;
    }
}

// OpenAI messages -> node-llama-cpp's chat history. System and developer text opens the history; an assistant's
// tool calls become function calls whose results are the `tool` messages that answer them.
function history(messages) {
    const system = [];
    const items = [];
    const pending = new Map();
    for (const msg of messages) {
        if (msg.role === "system" || msg.role === "developer") {
            system.push(textOf(msg.content));
        } else if (msg.role === "user") {
            items.push({type: "user", text: textOf(msg.content)});
        } else if (msg.role === "assistant") {
            const response = [];
            const text = textOf(msg.content);
            if (text) response.push(text);
            for (const call of msg.tool_calls || []) {
                const item = {
                    type: "functionCall",
                    name: call.function.name,
                    params: parseArguments(call.function.arguments),
                    result: null,
                };
                pending.set(call.id, item);
                response.push(item);
            }
            items.push({type: "model", response});
        } else if (msg.role === "tool") {
            const call = pending.get(msg.tool_call_id);
            if (call) call.result = textOf(msg.content);
        }
    }
    const all = system.length ? [{type: "system", text: system.join("\n")}, ...items] : items;
    const last = all[all.length - 1];
    const endsWithCalls = last && last.type === "model" && last.response.some((r) => typeof r === "object");
    if (!last || last.type !== "model" || !endsWithCalls) all.push({type: "model", response: []});
    return all;
}

function toolsOf(body) {
    const tools = (body.tools || []).filter((t) => t.type === "function").map((t) => t.function);
    let choice = body.tool_choice ?? (tools.length ? "auto" : "none");
    let offered = tools;
    if (choice && typeof choice === "object" && choice.type === "allowed_tools") {
        const names = new Set((choice.allowed_tools.tools || []).map((t) => t.function && t.function.name));
        offered = tools.filter((t) => names.has(t.name));
        choice = choice.allowed_tools.mode || "auto";
    } else if (choice && typeof choice === "object") {
        offered = tools.filter((t) => t.name === choice.function.name);
        choice = "required";
    }
    return {offered: choice === "none" ? [] : offered, choice};
}

// JSON-schema keywords the grammar builder does not know are dropped; the grammar still gives JSON of that shape.
const KNOWN = new Set(["type", "properties", "required", "items", "enum", "const", "oneOf", "anyOf",
    "additionalProperties", "description", "minItems", "maxItems", "format", "prefixItems", "$defs", "$ref"]);
function grammarSchema(schema) {
    if (Array.isArray(schema)) return schema.map(grammarSchema);
    if (!schema || typeof schema !== "object") return schema;
    const out = {};
    for (const [key, value] of Object.entries(schema)) {
        if (!KNOWN.has(key)) continue;
        if (key === "properties" || key === "$defs") {
            out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, grammarSchema(v)]));
        } else {
            out[key] = grammarSchema(value);
        }
    }
    if (out.type === "object" && !out.properties) out.properties = {};
    return out;
}

async function grammarFor(schema) {
    try {
        return await llama.createGrammarForJsonSchema(grammarSchema(schema));
    } catch {
        return await llama.getGrammarFor("json");
    }
}

function settings(body) {
    const budget = body.max_completion_tokens ?? body.max_tokens;
    const stop = typeof body.stop === "string" ? [body.stop] : body.stop || [];
    return {
        temperature: typeof body.temperature === "number" ? body.temperature : 0,
        topP: typeof body.top_p === "number" ? body.top_p : undefined,
        seed: typeof body.seed === "number" ? body.seed : SEED,
        maxTokens: typeof budget === "number" ? budget : 512,
        customStopTriggers: stop.length ? stop : undefined,
        // A small model loops on a phrase without one ("le paysage de la femme de France, le paysage ...").
        repeatPenalty: {penalty: 1.15, lastTokens: 64},
    };
}

function callId() {
    return "call_" + crypto.randomBytes(12).toString("base64url");
}

// A forced call: the model writes the arguments of one offered function, under its schema's grammar.
async function forcedCall(items, offered, base) {
    const schema = offered.length === 1
        ? offered[0].parameters || {type: "object"}
        : {oneOf: offered.map((t) => ({
            type: "object",
            properties: {name: {const: t.name}, arguments: t.parameters || {type: "object"}},
            required: ["name", "arguments"],
        }))};
    const names = offered.map((t) => t.name).join(", ");
    const hint = {type: "system", text: `Call ${offered.length === 1 ? "the function" : "one of the functions"} ` +
        `${names}. Write only the JSON ${offered.length === 1 ? "arguments" : "call"}.`};
    const prompt = [...items.slice(0, -1), hint, items[items.length - 1]];
    const answer = await chat.generateResponse(prompt, {...base, grammar: await grammarFor(schema)});
    const parsed = parseArguments(answer.response);
    const name = offered.length === 1 ? offered[0].name : parsed.name;
    const args = offered.length === 1 ? parsed : parsed.arguments;
    return {text: null, calls: [{name, arguments: JSON.stringify(args ?? {})}], finish: "tool_calls", answer};
}

async function generate(body, onText) {
    const items = history(body.messages || []);
    const base = settings(body);
    const {offered, choice} = toolsOf(body);
    await sequence.clearHistory();
    if (offered.length && choice === "required") return forcedCall(items, offered, base);
    const request = {...base, onTextChunk: onText};
    const format = body.response_format;
    if (format && format.type === "json_schema") request.grammar = await grammarFor(format.json_schema.schema || {});
    else if (format && format.type === "json_object") request.grammar = await llama.getGrammarFor("json");
    else if (offered.length) {
        request.functions = Object.fromEntries(offered.map((t) => [t.name, {
            description: t.description || "",
            params: grammarSchema(t.parameters || {type: "object"}),
        }]));
        if (body.parallel_tool_calls === false) request.maxParallelFunctionCalls = 1;
    }
    const answer = await chat.generateResponse(items, request);
    const calls = (answer.functionCalls || []).map((c) => ({name: c.functionName, arguments: JSON.stringify(c.params ?? {})}));
    const reason = answer.metadata.stopReason;
    const finish = calls.length ? "tool_calls" : reason === "maxTokens" ? "length" : "stop";
    return {text: calls.length ? null : answer.response, calls, finish, answer};
}

function usage(body, reply) {
    const prompt = model.tokenize((body.messages || []).map((m) => textOf(m.content)).join("\n")).length;
    const written = reply.text ?? reply.calls.map((c) => c.name + c.arguments).join("");
    const completion = model.tokenize(written).length;
    return {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        prompt_tokens_details: {cached_tokens: 0, audio_tokens: 0},
        completion_tokens_details: {
            reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0,
        },
    };
}

function toolCalls(reply) {
    return reply.calls.map((c) => ({id: callId(), type: "function", function: c}));
}

function completion(body, reply) {
    const message = {role: "assistant", content: reply.text, refusal: null, annotations: []};
    if (reply.calls.length) message.tool_calls = toolCalls(reply);
    return {
        id: "chatcmpl-" + crypto.randomBytes(15).toString("base64url"),
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{index: 0, message, logprobs: null, finish_reason: reply.finish}],
        usage: usage(body, reply),
        service_tier: "default",
        system_fingerprint: FINGERPRINT,
    };
}

async function stream(body, res) {
    const includeUsage = Boolean(body.stream_options && body.stream_options.include_usage);
    const base = {
        id: "chatcmpl-" + crypto.randomBytes(15).toString("base64url"),
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        service_tier: "default",
        system_fingerprint: FINGERPRINT,
    };
    const send = (choices, extra = {}) => {
        const chunk = {...base, choices, ...(includeUsage ? {usage: null} : {}), ...extra};
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    };
    const delta = (content, finish = null) => send([{index: 0, delta: content, logprobs: null, finish_reason: finish}]);
    let started = false;
    const start = () => {
        if (started) return;
        started = true;
        res.writeHead(200, {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"});
    };
    let opened = false;
    const reply = await generate(body, (text) => {
        start();
        if (!opened) {
            delta({role: "assistant", content: "", refusal: null});
            opened = true;
        }
        delta({content: text});
    });
    start();
    if (reply.calls.length) {
        toolCalls(reply).forEach((call, index) => {
            const head = {index, id: call.id, type: "function", function: {name: call.function.name, arguments: ""}};
            delta(index === 0 ? {role: "assistant", content: null, tool_calls: [head], refusal: null} : {tool_calls: [head]});
            delta({tool_calls: [{index, function: {arguments: call.function.arguments}}]});
        });
    } else if (!opened) {
        delta({role: "assistant", content: "", refusal: null});
    }
    delta({}, reply.finish);
    if (includeUsage) send([], {usage: usage(body, reply)});
    res.write("data: [DONE]\n\n");
    res.end();
}

function json(res, status, body) {
    res.writeHead(status, {"content-type": "application/json"});
    res.end(JSON.stringify(body));
}

function authorized(req) {
    if (!options.key) return true;
    const auth = req.headers.authorization || "";
    return auth === `Bearer ${options.key}`;
}

async function completions(req, res, raw) {
    if (!authorized(req)) throw new Refusal(401, "Incorrect API key provided.", null, "invalid_api_key");
    let body;
    try {
        body = JSON.parse(raw);
    } catch {
        throw new Refusal(400, "We could not parse the JSON body of your request.");
    }
    if (body.model !== options.name) {
        throw new Refusal(404, `The model \`${body.model}\` does not exist or you do not have access to it.`,
            null, "model_not_found");
    }
    if (!Array.isArray(body.messages) || !body.messages.length) {
        throw new Refusal(400, "Missing required parameter: 'messages'.", "messages");
    }
    await serially(async () => {
        if (body.stream) await stream(body, res);
        else json(res, 200, completion(body, await generate(body, undefined)));
    });
}

const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
        const url = new URL(req.url, "http://here");
        try {
            if (req.method === "GET" && url.pathname === "/health") return json(res, 200, {status: "ok"});
            if (req.method === "GET" && url.pathname === "/v1/models") {
                const entry = {id: options.name, object: "model", created: 0, owned_by: "gateway-conformance"};
                return json(res, 200, {object: "list", data: [entry]});
            }
            if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
                return await completions(req, res, Buffer.concat(chunks).toString("utf8"));
            }
            throw new Refusal(404, `Invalid URL (${req.method} ${url.pathname})`);
        } catch (err) {
            if (res.headersSent) {
                res.end();
                return;
            }
            if (err instanceof Refusal) return json(res, err.status, err.body);
            return json(res, 500, errorBody(500, `The model failed: ${err && err.message}`));
        }
    });
});

server.listen(Number(options.port), options.host, () => {
    const {port} = server.address();
    console.log(`real model ${options.name} listening on http://${options.host}:${port}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
