// The JavaScript Agents SDK through a gateway: the default client points at the gateway, tracing is off.
// Run: (cd examples/js && npm install) && OPENAI_BASE_URL=http://localhost:8080/v1 node examples/js/basic.mjs
// It prints `ok`. The JS SDK sends the model ID as written, so namespaced IDs (anthropic/...) need no extra setup.
// Note: @openai/agents 0.20 depends on openai 7, which declares node >= 22; it runs on node 20 here all the same.
import { Agent, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled } from '@openai/agents';
import OpenAI from 'openai';

setDefaultOpenAIClient(
  new OpenAI({
    baseURL: process.env.OPENAI_BASE_URL ?? 'http://localhost:8080/v1',
    apiKey: process.env.GATEWAY_MASTER_KEY ?? 'change-me',
    maxRetries: 0, // show the gateway's answer, not retries
  }),
);
setOpenAIAPI('responses'); // the Responses API (/v1/responses), the path the gateway is judged on
setTracingDisabled(true); // traces would go to OpenAI with the gateway key otherwise

const agent = new Agent({
  name: 'Gateway assistant',
  instructions: 'Be concise.',
  model: process.env.OPENAI_MODEL ?? 'openai/gpt-5-mini',
});

const result = await run(agent, 'Reply with exactly ok.');
console.log(result.finalOutput);
