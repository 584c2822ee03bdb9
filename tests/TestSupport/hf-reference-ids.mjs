// Reference token ids from @huggingface/tokenizers (tokenizers.js), for the .NET tokenizer's tests.
// usage: node hf-reference-ids.mjs TOKENIZERS_MJS TOKENIZER_JSON [TOKENIZER_CONFIG_JSON]
// stdin: a JSON list of texts; stdout: a JSON list of id lists, encoded without BOS/EOS.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [library, tokenizerPath, configPath] = process.argv.slice(2);
const { Tokenizer } = await import(pathToFileURL(library).href);
const tokenizerJson = JSON.parse(readFileSync(tokenizerPath, "utf8"));
const config = configPath ? JSON.parse(readFileSync(configPath, "utf8")) : {};
const tokenizer = new Tokenizer(tokenizerJson, config);
const texts = JSON.parse(readFileSync(0, "utf8"));
const ids = texts.map((text) => tokenizer.encode(text, { add_special_tokens: false }).ids);
process.stdout.write(JSON.stringify(ids));
