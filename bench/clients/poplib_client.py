"""The Python side of the bench: poplib as its users write it (USER/PASS, STAT, RETR each)."""
import json
import poplib
import resource
import ssl
import sys

config = json.loads(sys.argv[1])
if config["secure"]:
    context = ssl.create_default_context(cafile=config["caFile"])
    client = poplib.POP3_SSL(config["host"], config["port"], context=context)
else:
    client = poplib.POP3(config["host"], config["port"])
client.user(config["user"])
client.pass_(config["pass"])
count, _ = client.stat()
sizes = []
for msg in range(1, count + 1):
    _, _, octets = client.retr(msg)
    sizes.append(octets)
client.quit()
max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"count": len(sizes), "sizes": sizes, "maxRss": max_rss}))
