// Reference chat prompts from @huggingface/jinja (the renderer transformers.js uses), for the .NET
// chat template's tests.
// usage: node hf-reference-chat.mjs JINJA_INDEX_JS
// stdin: {"template": "...", "cases": [variables, ...]}
// stdout: a JSON list with, per case, {"text": "..."} or {"error": "..."} when rendering throws.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [library] = process.argv.slice(2);
const { Template } = await import(pathToFileURL(library).href);
const request = JSON.parse(readFileSync(0, "utf8"));
const template = new Template(request.template);
const results = request.cases.map((variables) => {
  try {
    return { text: template.render(variables) };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
});
process.stdout.write(JSON.stringify(results));
