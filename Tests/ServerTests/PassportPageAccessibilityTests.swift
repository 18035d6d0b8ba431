import Foundation
import HTTPTypes
import Hummingbird
import Identity
import ServerTestSupport
import Testing
import VectorSupport

/// Whether selenium, axe-selenium-python and Debian's chromedriver are here.
private let browserAvailable = ReferencePython.canImport("selenium", "axe_selenium_python", "PIL")
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")

/// The one-scan page in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`,
/// driven by `selenium`) opens the page of a genuine, recalled, repurposed, recycled and counterfeit
/// battery at 360 px and 1280 px, axe-core (`axe-selenium-python`) finds no serious or critical WCAG 2.1
/// AA violation, the banner's own screenshot (decoded by Pillow) shows the verdict's colour with its
/// icon at the top of the page, the key elements are shown, nothing overflows the width, and a
/// screenshot of each page is taken (into `VOLTPASS_SCREENSHOTS` when set, for the README's `docs/`).
/// All test-only.
/// (In the browser suite, whose tests run one after the other: two Chromiums at once stall here.)
extension PassportPageBrowserTests {
    @Test(.enabled(if: browserAvailable || Vectors.required, "apt-get install chromium chromium-driver; pip install selenium axe-selenium-python Pillow"))
    func everyVerdictPageIsAccessibleAtPhoneAndDesktopWidths() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            _ = try await client.registerOperator("packmaker", companyPrefixes: ["4012345"], admin: admin)
            _ = try await client.registerOperator("secondlife", companyPrefixes: ["4012346"], admin: admin)
            let auth = HTTPFields.bearer(try await client.createToken(operators: ["packmaker", "secondlife"], admin: admin))
            for (serial, lot) in [("G-1", "L1"), ("R-1", "L-RECALL"), ("P-1", "L1"), ("C-1", "L1")] {
                var device = PassportFixtures.device(serial: serial, lot: lot, key: SoftwareSigner.generate(.ed25519))
                device["owner"] = .string(DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey))
                let issued = try await client.execute(
                    uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
                #expect(issued.status == .created)
            }
            let recall = try await client.execute(
                uri: "/operators/packmaker/recalls", method: .post, headers: auth,
                body: jsonBody(["selector": "lot", "value": "L-RECALL", "reason": "separator defect"]))
            #expect(recall.status == .created || recall.status == .ok)
            let repurpose = try await client.execute(
                uri: "/passports/P-1/lifecycle", method: .post, headers: auth,
                body: jsonBody(["action": "repurpose", "operator": "secondlife", "gtin": "04012346000015", "serial": "SL-1"]))
            #expect(repurpose.status == .created)
            #expect(try await client.execute(uri: "/passports/C-1/lifecycle", method: .post, headers: auth, body: jsonBody(["action": "recycle"])).status == .ok)
            for name in ["packmaker", "secondlife"] {
                _ = try await client.execute(uri: "/operators/\(name)/anchor", method: .post, headers: auth)
            }
            let port = try #require(client.port)
            let pages: [(String, String)] = [
                ("genuine", "/verify/device/G-1"), ("recalled", "/verify/device/R-1"), ("repurposed", "/verify/device/P-1"),
                ("recycled", "/verify/device/C-1"), ("counterfeit", "/01/04012345000009/21/X-404"),
            ]
            let screenshots = ProcessInfo.processInfo.environment["VOLTPASS_SCREENSHOTS"]
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-pages-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
            let run = try ReferencePython.run(
                Self.axeScript, arguments: [String(port), screenshots] + pages.flatMap { [$0.0, $0.1] })
            #expect(run.status == 0, "\(run.error)")
            // One line per page and width: name, width, the verdict the page shows, the banner's colour and
            // icon, layout problems, serious or critical violations.
            #expect(run.lines.count == pages.count * 2, "\(run.output)")
            let expected = ["genuine": "green", "recalled": "red", "repurposed": "amber", "recycled": "red", "counterfeit": "red"]
            let banner = ["green": ("1a7f37", "✓"), "amber": ("9a6700", "!"), "red": ("cf222e", "✗")]
            for line in run.lines {
                let fields = line.split(separator: "\t", maxSplits: 6).map(String.init)
                guard fields.count == 7 else {
                    Issue.record("\(line)")
                    continue
                }
                let (name, width, verdict) = (fields[0], fields[1], fields[2])
                #expect(verdict == expected[name], "\(line)")
                #expect(fields[3] == banner[verdict]?.0 && fields[4] == banner[verdict]?.1, "the \(name) banner at \(width) px: \(fields[3]) \(fields[4])")
                #expect(fields[5] == "[]", "layout of \(name) at \(width) px: \(fields[5])")
                #expect(fields[6] == "[]", "serious or critical axe violations on \(name) at \(width) px: \(fields[6])")
                #expect(FileManager.default.fileExists(atPath: "\(screenshots)/\(name)-\(width).png"))
            }
        }
    }

    /// Opens each page at each width, reads its verdict, runs axe-core for WCAG A and AA (the wheel
    /// bundles axe-core 3.1, whose rules carry the `wcag2a` and `wcag2aa` tags; its WCAG 2.1 checks
    /// are among them), and saves a full-page screenshot.
    static let axeScript = """
        import sys, json, base64, io
        from collections import Counter
        from PIL import Image
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from axe_selenium_python import Axe
        port, directory, pages = sys.argv[1], sys.argv[2], sys.argv[3:]
        options = webdriver.ChromeOptions()
        for flag in ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars']:
            options.add_argument(flag)
        options.binary_location = '/usr/bin/chromium'
        driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
        driver.set_script_timeout(60)
        try:
            for name, path in zip(pages[0::2], pages[1::2]):
                for width in (360, 1280):
                    driver.set_window_size(width, 900)
                    driver.get('http://127.0.0.1:%s%s' % (port, path))
                    banner = driver.find_element(By.ID, 'verdict')
                    verdict = banner.get_attribute('data-verdict')
                    # The banner as the browser drew it: its most frequent colour is its background.
                    pixels = Image.open(io.BytesIO(banner.screenshot_as_png)).convert('RGB').getdata()
                    colour = '%02x%02x%02x' % Counter(pixels).most_common(1)[0][0]
                    icon = banner.find_element(By.CSS_SELECTOR, 'h1 .icon').text
                    layout = []
                    if banner.rect['y'] > 120: layout.append('banner starts at %d px' % banner.rect['y'])
                    overflow = driver.execute_script(
                        'var w = window.innerWidth, out = [];'
                        'document.querySelectorAll("body *").forEach(function (e) { var r = e.getBoundingClientRect();'
                        ' if (r.right > w + 1) out.push(e.tagName + (e.id ? "#" + e.id : "") + " " + Math.round(r.right)); });'
                        'return document.documentElement.scrollWidth > w ? [document.documentElement.scrollWidth, w, out.slice(0, 3)] : null')
                    if overflow: layout.append('%d px wide in a %d px window: %s' % (overflow[0], overflow[1], ', '.join(overflow[2])))
                    keys = ['reasons', 'checks'] + (['non-membership'] if name == 'counterfeit' else
                        ['passport', 'timeline', 'provenance', 'anchor', 'bundle', 'machine-forms'])
                    for key in keys:
                        found = driver.find_elements(By.ID, key)
                        if not found or not found[0].is_displayed(): layout.append('#%s not shown' % key)
                    Axe(driver).inject()
                    results = driver.execute_async_script(
                        'var done = arguments[arguments.length - 1];'
                        'axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}})'
                        '.then(function (r) { done(r); }).catch(function (e) { done({error: String(e)}); });')
                    assert 'error' not in results, results
                    bad = sorted(v['id'] for v in results['violations'] if v.get('impact') in ('serious', 'critical'))
                    height = driver.execute_script('return document.documentElement.scrollHeight')
                    shot = driver.execute_cdp_cmd('Page.captureScreenshot', {
                        'format': 'png', 'captureBeyondViewport': True,
                        'clip': {'x': 0, 'y': 0, 'width': width, 'height': height, 'scale': 1}})
                    with open('%s/%s-%d.png' % (directory, name, width), 'wb') as file:
                        file.write(base64.b64decode(shot['data']))
                    print('%s\\t%d\\t%s\\t%s\\t%s\\t%s\\t%s' % (name, width, verdict, colour, icon, json.dumps(layout), json.dumps(bad)))
        finally:
            driver.quit()
        """
}
