import io, pytest
from django.core.management import call_command, CommandError
from customers.models import Customer
from privacy.models import AuditEvent

def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        exc = None
    except CommandError as e:
        exc = e
    return out.getvalue(), err.getvalue(), exc

def test_probe(db, tmp_path, settings, company):
    settings.LANGUAGE_CODE = "en"
    f = tmp_path / "a.csv"
    f.write_text("kind,name,business_id,email,phone,notes,street_address\norganization,A Oy,0737546-3,a@B.FI,040 754 0576,\"=HYPERLINK(\"\"x\"\")\",-1\nperson,B,,b@x.fi,0407540576,ok,\n", encoding="utf-8")
    print(run("import_customers", str(f)))
    f.write_text("kind,name,business_id,email,phone,notes,street_address\norganization,A Oy,0112038-9,a@B.FI,040 754 0576,\"=HYPERLINK(\"\"x\"\")\",-1\n", encoding="utf-8")
    print(run("import_customers", str(f)))
    f.write_text("kind,name,business_id,email,phone,notes,street_address\norganization,A Oy,2077474-0,a@B.FI,040 754 0576,\"=HYPERLINK(\"\"x\"\")\",-1\nperson,B,,b@x.fi,0407540576,\t@SUM(A1),\n", encoding="utf-8")
    print(run("import_customers", str(f)))
    print(list(Customer.objects.values("name", "business_id", "email", "phone", "notes", "street_address", "source")))
    print(list(AuditEvent.objects.values()))
    f.write_text("kind;name;foo\nperson;Äänekosken Sähkö Oy;x\n", encoding="cp1252")
    print(run("import_customers", str(f)))
    f.write_text("kind;name;business_id\norganization;Äänekosken Sähkö Oy;0737546-2\n", encoding="cp1252")
    print(run("import_customers", str(f), "--dry-run"))
    print(Customer.objects.count())
    o = tmp_path / "o.csv"
    print(run("export_register", "customers", "--output", str(o)))
    print(o.read_text())
    print(run("import_customers", str(o)))
    print(run("export_register", "customers", "--output", str(o), "--dialect", "excel-fi"))
    print(repr(o.read_bytes()[:300]))
    print(run("import_customers", str(o)))
