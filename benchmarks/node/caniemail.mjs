// Every feature of an HTML email that caniemail's data marks unsupported ("error") in the
// given clients: one JSON object {client: {feature-slug: [title, first line]}} on stdout.
//   node benchmarks/node/caniemail.mjs EMAIL.html 'gmail.*' 'apple-mail.*' ...
import { caniemail } from "caniemail";
import data from "caniemail/caniemail.json" with { type: "json" };
import { readFileSync } from "node:fs";

const slugs = Object.fromEntries(data.data.map((feature) => [feature.title, feature.slug]));
const [file, ...clients] = process.argv.slice(2);
const result = caniemail({ clients, html: readFileSync(file, "utf8") });
const found = {};
for (const [client, issues] of result.issues.errors) {
  for (const issue of issues) {
    const slug = slugs[issue.title] ?? issue.title;
    (found[client] ??= {})[slug] ??= [issue.title, issue.position?.start?.line ?? 0];
  }
}
console.log(JSON.stringify(found));
