// Apache Jena in one JVM for many files (a JVM start costs a second or two), for tests/test_jena.py.
//   java JenaBatch shacl SHAPES OUTDIR DATA...   each DATA's SHACL report -> OUTDIR/<i>.nt
//   java JenaBatch riot OUTDIR FILE...           each FILE parsed by RIOT (by its extension) -> OUTDIR/<i>.nq
import java.io.FileOutputStream;
import java.io.OutputStream;

import org.apache.jena.graph.Graph;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.riot.RDFLanguages;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.sparql.core.DatasetGraph;
import org.apache.jena.sparql.core.DatasetGraphFactory;
import org.apache.jena.sys.JenaSystem;

public class JenaBatch {
    public static void main(String[] args) throws Exception {
        JenaSystem.init();
        if (args[0].equals("shacl")) {
            Shapes shapes = Shapes.parse(RDFDataMgr.loadGraph(args[1]));
            for (int i = 3; i < args.length; i++) {
                Graph data = RDFDataMgr.loadGraph(args[i]);
                ValidationReport report = ShaclValidator.get().validate(shapes, data);
                try (OutputStream out = new FileOutputStream(args[2] + "/" + (i - 3) + ".nt")) {
                    RDFDataMgr.write(out, report.getGraph(), Lang.NTRIPLES);
                }
            }
        } else if (args[0].equals("riot")) {
            for (int i = 2; i < args.length; i++) {
                DatasetGraph dataset = DatasetGraphFactory.createTxnMem();
                // JSON-LD through Jena's JSON-LD 1.0 reader (jsonld-java): its 1.1 reader (Titanium)
                // needs a Jakarta JSON implementation, which Debian does not package
                Lang lang = args[i].endsWith(".jsonld") ? Lang.JSONLD10 : RDFLanguages.filenameToLang(args[i]);
                RDFParser.source(args[i]).forceLang(lang).parse(dataset);
                try (OutputStream out = new FileOutputStream(args[1] + "/" + (i - 2) + ".nq")) {
                    RDFDataMgr.write(out, dataset, Lang.NQUADS);
                }
            }
        } else {
            throw new IllegalArgumentException("first argument: shacl or riot");
        }
    }
}
