// Median retained size of instances of the given classes in a heap dump (docs/benchmarks.md, "Idle memory").
// java -cp hprof-heap-0.16.jar:gzrand-0.2.jar HeapRetained.java r1.hprof class.Name,other.Class
import org.netbeans.lib.profiler.heap.*;
import java.io.File;
import java.util.*;
public class HeapRetained {
    public static void main(String[] a) throws Exception {
        Heap heap = HeapFactory.createHeap(new File(a[0]));
        for (String cn : a[1].split(",")) {
            JavaClass c = heap.getJavaClassByName(cn);
            if (c == null) { System.out.println("no " + cn); continue; }
            List<Instance> inst = c.getInstances();
            int n = Math.min(21, inst.size()); long[] r = new long[n];
            for (int i = 0; i < n; i++) r[i] = inst.get(1 + i * ((inst.size()-1) / n)).getRetainedSize();
            Arrays.sort(r);
            System.out.printf("%-80s count %6d  median retained %8d B (shallow %d)%n", cn, inst.size(), r[n/2], inst.get(1).getSize());
        }
    }
}
