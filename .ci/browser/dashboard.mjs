// The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core.
// Run by .ci/dashboard.sh (beside its package.json, so that playwright-core resolves), which builds the pages into $DASH_OUT and passes what they hold:
//   DASH_OUT/fixtures.html     fixtures/reports (both modes, 3 agents); fixtures.summary.json
//   DASH_OUT/seed.html         the seed page text (case 2.11 of stratus@2)
//   DASH_OUT/baseline.html     fixtures/reports/clients against an edited baseline
//   DASH_OUT/hostile.html      an agent named <script>alert(1)</script>
//   DASH_OUT/shards.html       fixtures/reports/clients in two shards, stratus@2's 2.11 flaky
//   DASH_OUT/batches.html      fixtures/compare/batches a and b (2.11 OK/OK in a, FAILED/OK in b)
//   DASH_OUT/corpus.html       a corpus report (4 agents × 517 cases); corpus.summary.json
// Every check names what it expected; the first failure ends the run with status 1.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const OUT = process.env.DASH_OUT;
const SHOT = process.env.DASH_SCREENSHOT || path.join(OUT, "dashboard.png");
const read = (f) => JSON.parse(fs.readFileSync(path.join(OUT, f), "utf8"));
let checks = 0;
// The hash changes before the page's hashchange handler draws the case: wait for both, and
// for the detail heading, so that no check reads the previous case (a race CI lost once).
async function shownCase(page, id) {
  await page.waitForFunction(
    (id) => location.hash === "#case-" + id &&
      (document.querySelector("#detail h3")?.textContent || "").startsWith("Case " + id + " "),
    id, { timeout: 10000 });
}
function ok(cond, what) {
  if (!cond) throw new Error("FAILED: " + what);
  checks++;
}
function eq(got, want, what) {
  ok(JSON.stringify(got) === JSON.stringify(want), `${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "wsreport-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
// The page is one file: any request that is not the file itself is a failure.
const requests = [];
await context.route("**/*", (route) => {
  const url = route.request().url();
  if (!url.startsWith("file://")) requests.push(url);
  return url.startsWith("file://") ? route.continue() : route.abort();
});
const dialogs = [];
const errors = [];

async function open(file, hash = "") {
  const page = await context.newPage();
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
  page.on("pageerror", (e) => errors.push(`${file}: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`${file}: ${m.text()}`); });
  await page.goto("file://" + path.join(OUT, file) + hash);
  await page.waitForSelector("body[data-ready=true]", { timeout: 10000 });
  return page;
}
const shownIds = (page) => page.$$eval("#matrix tbody tr.row", (rs) => rs.map((r) => r.dataset.id));
const detailLines = (page) => page.$$eval("#detail li", (ls) => ls.map((l) => l.textContent));

// The counts shown equal `summarize --format json`'s, agent by agent, word by word.
async function countsEqualSummarize(page, summaryFile) {
  const agents = read(summaryFile).reports.flatMap((r) => r.agents);
  const shown = await page.$$eval("#counts td[data-col]", (tds) => tds.map((t) => [+t.dataset.col, t.dataset.kind, t.dataset.verdict || "", t.textContent]));
  const headers = await page.$$eval("#counts thead th", (ths) => ths.slice(1).map((t) => t.textContent));
  eq(headers.length, agents.length, `${summaryFile}: one column per agent`);
  agents.forEach((a, i) => {
    ok(headers[i].startsWith(a.agent), `${summaryFile}: column ${i} is ${a.agent} (shown ${headers[i]})`);
    const get = (kind, word) => shown.find((s) => s[0] === i && s[1] === kind && s[2] === word)?.[3];
    eq(get("cases", ""), String(a.cases), `${a.agent}: cases`);
    for (const kind of ["behavior", "behaviorClose"]) {
      for (const [word, n] of Object.entries(a[kind])) eq(get(kind, word), String(n), `${a.agent}: ${kind} ${word}`);
      const words = shown.filter((s) => s[0] === i && s[1] === kind && s[3] !== "0").map((s) => s[2]).sort();
      eq(words, Object.keys(a[kind]).sort(), `${a.agent}: the ${kind} words shown`);
    }
  });
  return agents.length;
}

const t0 = Date.now();
// ---- fixtures: counts, a filter, 2.11's missing pongs, keyboard, print ----
{
  const page = await open("fixtures.html");
  const n = await countsEqualSummarize(page, "fixtures.summary.json");
  ok(!(await page.isVisible("#f-flaky")) && !(await page.$("#flaky-count")), "no flaky case: no flaky filter, no flaky count");
  // the verdict filter: the rows are exactly the cases some agent got FAILED for, from the indexes
  const failed = new Set();
  for (const dir of ["clients", "servers"]) {
    const index = JSON.parse(fs.readFileSync(path.join(process.env.FIXTURES, dir, "index.json"), "utf8"));
    for (const cases of Object.values(index)) for (const [id, c] of Object.entries(cases)) if (c.behavior === "FAILED") failed.add(id);
  }
  const all = await shownIds(page);
  await page.selectOption("#f-behavior", "FAILED");
  const rows = await shownIds(page);
  eq(rows.slice().sort(), [...failed].sort(), "filter behaviour FAILED: the rows");
  ok(rows.length > 0 && rows.length < all.length, "the filter keeps some rows, not all");
  eq(await page.textContent("#shown"), `Showing ${rows.length} of ${all.length} cases.`, "the count of rows shown");
  await page.click("#f-reset");
  await page.selectOption("#f-category", "2");
  ok((await shownIds(page)).every((id) => id.startsWith("2.")), "category 2 shows only 2.x");
  await page.click("#f-reset");
  eq((await shownIds(page)).length, all.length, "reset shows every case");
  // 2.11 opened by a click: its description and the ten missing pongs
  await page.click("#case-2\\.11 td.title");
  await shownCase(page, "2.11");
  const lines = await detailLines(page);
  const missing = lines.filter((l) => /^missing #\d+ pong "payload-\d"$/.test(l));
  eq(missing.length, 10, "2.11: ten missing pongs listed");
  ok(lines.includes("10 of 10 expected pongs never arrived"), "2.11: the events summary");
  ok((await page.textContent("#detail")).includes("split-reads"), "2.11: the fault");
  ok((await page.textContent("#detail")).includes("Send 10 Pings with payload."), "2.11: the description");
  ok(await page.$eval("#case-2\\.11", (r) => r.classList.contains("selected")), "2.11: its row is marked");
  // keyboard: / searches, arrows move between rows, Enter opens, Esc goes back to the list
  await page.keyboard.press("/");
  eq(await page.evaluate(() => document.activeElement.id), "f-search", "/ focuses the search");
  await page.keyboard.type("1.1");
  eq(await shownIds(page), ["1.1.1"], "search by id");
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Backspace");
  await page.focus("#case-1\\.1\\.1 a");
  await page.keyboard.press("ArrowDown");
  eq(await page.evaluate(() => document.activeElement.closest("tr").dataset.id), all[1], "ArrowDown moves to the next case");
  await page.keyboard.press("Enter");
  await shownCase(page, all[1]);
  ok((await page.textContent("#detail h3")).startsWith("Case " + all[1]), "Enter opens the case");
  // sort by duration: the slowest case first
  await page.selectOption("#f-sort", "duration");
  const first = (await shownIds(page))[0];
  ok(["2.10", "2.11"].includes(first), `sorted by duration: a 3-4 s ping case first (got ${first})`);
  // print: no filters, matrix and detail one after the other
  await page.emulateMedia({ media: "print" });
  eq(await page.$eval("#filters", (f) => getComputedStyle(f).display), "none", "print hides the filters");
  console.log(`fixtures: counts of ${n} agents = summarize, filter, 2.11, keyboard, print: ok`);
  await page.close();
}
// ---- the seed (page text copied from a browser) ----
{
  const page = await open("seed.html", "#case-2.11");
  const lines = await detailLines(page);
  eq(lines.filter((l) => l.startsWith("missing #")).length, 10, "seed: ten missing pongs");
  ok(lines.some((l) => l.includes("110 writes of 1 octet")), "seed: the octet-wise writes");
  console.log("seed 2.11: the missing pongs and the chopped writes: ok");
  await page.close();
}
// ---- the baseline diff ----
{
  const page = await open("baseline.html");
  const mark = (id, col) => page.$eval(`#case-${id.replace(/\./g, "\\.")} td[data-col="${col}"]`, (td) => {
    const m = td.querySelector(".mark");
    return m ? m.textContent : null;
  });
  const cols = await page.$$eval("#matrix thead th[data-col]", (ths) => ths.map((t) => t.textContent));
  const col = (agent) => cols.indexOf(agent);
  eq(await mark("2.11", col("stratus@2")), "\u25b2 newly failing", "2.11 stratus@2 newly failing");
  eq(await mark("1.1.1", col("nimbus/1.0")), "\u2714 fixed", "1.1.1 nimbus/1.0 fixed");
  eq(await mark("6.4.1", col("stratus@2")), "\u25c6 changed", "6.4.1 stratus@2 changed");
  eq(await mark("2.11", col("nimbus/1.0")), null, "2.11 nimbus/1.0 unchanged, unmarked");
  const counts = await page.textContent("#diff-counts");
  ok(counts.startsWith("1 newly failing, 1 fixed, 1 changed"), `diff counts (${counts})`);
  await page.check("#f-changed");
  eq(await shownIds(page), ["1.1.1", "2.11", "6.4.1"], "only changes: the changed cases");
  await page.click("#case-2\\.11 a");
  await shownCase(page, "2.11");
  ok((await page.textContent("#detail")).includes("newly failing: was OK/OK, now FAILED/UNCLEAN"), "2.11: what it was");
  console.log("baseline: newly failing, fixed and changed marked, changes-only view: ok");
  await page.close();
}
// ---- a hostile agent name stays text ----
{
  const page = await open("hostile.html", "#case-2.11");
  const agent = "<script>alert(1)</script>";
  eq(await page.$$eval("script", (s) => s.length), 2, "only the page's own two script elements");
  eq(await page.textContent("#matrix thead th[data-col='0']"), agent, "the agent name shown as text");
  ok((await page.textContent("#detail")).includes("</script><script>alert(2)</script>"), "the description shown as text");
  ok(await page.isVisible("text=" + agent), "the name is visible");
  await page.waitForTimeout(200);
  eq(dialogs, [], "no dialog opened");
  console.log("hostile agent name and description: text, no script ran: ok");
  await page.close();
}
// ---- two shards of one run: one column per agent; the flaky case marked, counted, filtered ----
{
  const page = await open("shards.html");
  eq(await page.$$eval("#matrix thead th[data-col]", (ths) => ths.map((t) => t.textContent)), ["nimbus/1.0", "stratus@2"],
    "shards: one column per agent, not per shard");
  const all = await shownIds(page);
  eq(all.length, 7, "shards: every case of the two shards");
  const flakyMarks = await page.$$eval("#matrix tbody .mark.flaky", (ms) => ms.map((m) => [m.closest("tr").dataset.id, m.closest("td").dataset.col, m.textContent]));
  eq(flakyMarks, [["2.11", "1", "\u21bb flaky"]], "shards: the flaky case is marked with the word, in its column");
  const look = await page.$eval("#matrix tbody .mark.flaky", (m) => [getComputedStyle(m).color, getComputedStyle(m).backgroundColor]);
  ok(look[1] !== "rgba(0, 0, 0, 0)" && look[0] !== look[1], `shards: the flaky mark is coloured too (${look})`);
  ok((await page.textContent("#flaky-count")).includes("1 flaky case"), "shards: the header counts the flaky case");
  eq(await page.textContent("#counts td[data-kind=flaky][data-col='1']"), "1", "shards: the counts' flaky row");
  ok(await page.isVisible("#f-flaky"), "shards: the 'only flaky' filter is offered");
  await page.check("#f-flaky");
  eq(await shownIds(page), ["2.11"], "only flaky: the flaky case");
  await page.click("#case-2\\.11 a");
  await shownCase(page, "2.11");
  ok((await page.textContent("#detail")).includes("flaky: the verdicts changed on re-run: FAILED/UNCLEAN, then OK/OK"), "2.11: its attempts");
  await page.click("#f-reset");
  eq((await shownIds(page)).length, all.length, "reset shows every case again");
  console.log("shards: one column per agent, the flaky case marked, counted and filtered: ok");
  await page.close();
}
// ---- two batches that disagree: one column, the later verdict, a warning ----
{
  const page = await open("batches.html");
  eq(await page.$$eval("#matrix thead th[data-col]", (ths) => ths.map((t) => t.textContent)), ["demo client/1"], "batches: one column");
  eq(await shownIds(page), ["1.1.1", "2.11", "9.1.1"], "batches: every case of both");
  eq(await page.$eval("#case-2\\.11 td[data-col='0'] .v", (v) => v.textContent), "FAILED", "batches: 2.11 as b (read later) has it");
  const w = await page.textContent("#warnings");
  ok(w.includes("warning: 1 case is in two reports of one agent with different verdicts") && w.includes("case 2.11"), `batches: the warning (${w})`);
  console.log("batches: one column, the later verdict, the conflict said: ok");
  await page.close();
}
// ---- the corpus report: counts, and the README's screenshot ----
{
  const t = Date.now();
  const page = await open("corpus.html");
  const loaded = Date.now() - t;
  const n = await countsEqualSummarize(page, "corpus.summary.json");
  const rows = (await shownIds(page)).length;
  await page.check("#f-failing");
  const failing = (await shownIds(page)).length;
  ok(failing > 0 && failing < rows, `only failing narrows the ${rows} rows (${failing})`);
  await page.click("#f-reset");
  await page.goto(page.url().split("#")[0] + "#case-6.4.3");
  await shownCase(page, "6.4.3");
  await page.setViewportSize({ width: 1400, height: 1700 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: SHOT });
  console.log(`corpus: ${n} agents × ${rows} cases, counts = summarize, opened in ${loaded} ms; screenshot ${SHOT}: ok`);
  await page.close();
}
await context.close();
fs.rmSync(profile, { recursive: true, force: true });
eq(requests, [], "no request left the file");
eq(errors, [], "no script error");
console.log(`dashboard browser test: ${checks} checks passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
