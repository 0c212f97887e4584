// Which objects own the instances of a class in a heap dump (docs/benchmarks.md, "Idle memory").
// java -cp hprof-heap-0.16.jar:gzrand-0.2.jar HeapOwners.java r1.hprof java.lang.Object[] java.util.concurrent.atomic.AtomicReferenceArray
import org.netbeans.lib.profiler.heap.*;
import java.io.File;
import java.util.*;
public class HeapOwners {
    // Who holds the instances of a class: for each instance, walks up its referrers past the "container" classes and sums the shallow size by owner.field
    public static void main(String[] a) throws Exception {
        Heap heap = HeapFactory.createHeap(new File(a[0]));
        Set<String> containers = new HashSet<>(Arrays.asList(a[2].split(",")));
        JavaClass c = heap.getJavaClassByName(a[1]);
        Map<String,Integer> m = new HashMap<>();
        for (Instance i : c.getInstances()) {
            Instance cur = i; String label = "?";
            for (int d = 0; d < 12 && cur != null; d++) {
                List<Value> refs = cur.getReferences();
                if (refs.isEmpty()) { label = "(root) " + cur.getJavaClass().getName(); break; }
                Value v = refs.get(0);
                Instance owner = v.getDefiningInstance();
                String on = owner.getJavaClass().getName();
                if (!containers.contains(on)) { label = on + (v instanceof ObjectFieldValue f ? "." + f.getField().getName() : "[]"); break; }
                cur = owner;
            }
            m.merge(label, (int) i.getSize(), Integer::sum);
        }
        m.entrySet().stream().sorted(Map.Entry.<String,Integer>comparingByValue().reversed()).limit(25).forEach(e -> System.out.println(e.getValue() + "  " + e.getKey()));
    }
}
