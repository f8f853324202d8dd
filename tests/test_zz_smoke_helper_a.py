def test_smoke(world, login):
    c = login(world.county_office)
    r = c.get(f"/regions/{world.county.pk}/")
    print(r.status_code, r.content.decode()[:3000])
    c = login(world.village_account)
    r = c.get("/")
    print(r.content.decode()[:1500])
