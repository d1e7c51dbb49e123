// The JavaScript Agents SDK through a gateway: the default client points at the gateway, tracing is off.
// Run: (cd examples/js && npm install) && OPENAI_BASE_URL=http://localhost:8080/v1 node examples/js/basic.mjs
import { Agent, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled } from '@openai/agents';
import OpenAI from 'openai';

setDefaultOpenAIClient(
  new OpenAI({
    baseURL: process.env.OPENAI_BASE_URL ?? 'http://localhost:8080/v1',
    apiKey: process.env.GATEWAY_MASTER_KEY ?? 'change-me',
    maxRetries: 0,
  }),
);
setOpenAIAPI('responses');
setTracingDisabled(true);

const agent = new Agent({
  name: 'Gateway assistant',
  instructions: 'Be concise.',
  model: process.env.OPENAI_MODEL ?? 'openai/gpt-5-mini',
});

const result = await run(agent, 'Reply with exactly ok.');
console.log(result.finalOutput);
